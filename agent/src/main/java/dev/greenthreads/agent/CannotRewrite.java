package dev.greenthreads.agent;

/** A method the rewrite must leave as it was; the message says why, for the log and for verification errors. */
final class CannotRewrite extends Exception {
    CannotRewrite(String reason) {
        super(reason);
    }
}
