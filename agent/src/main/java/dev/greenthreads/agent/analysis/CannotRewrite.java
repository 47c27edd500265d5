package dev.greenthreads.agent.analysis;

/** A method the rewrite must leave as it was; the message says why, for the log and for verification errors. */
public final class CannotRewrite extends Exception {
    public CannotRewrite(String reason) {
        super(reason);
    }
}
