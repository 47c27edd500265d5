package dev.greenthreads.agent;

/** One line per event on standard error, prefixed so it can be told from the application's output. */
final class Log {

    private Log() {
    }

    static void info(String message) {
        System.err.println("[greenthreads] " + message);
    }

    static void warn(String message) {
        System.err.println("[greenthreads] WARNING: " + message);
    }
}
