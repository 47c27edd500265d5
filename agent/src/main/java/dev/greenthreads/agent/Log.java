package dev.greenthreads.agent;

/**
 * One line per event on standard error, prefixed so it can be told from the application's output;
 * while the offline instrumenter runs on a thread, that thread's lines go to its caller instead.
 */
final class Log {

    /** The {@link Instrumenter}'s listener for the run on this thread, or null for standard error. */
    static final ThreadLocal<Instrumenter.Messages> redirect = new ThreadLocal<>();

    private Log() {
    }

    static void info(String message) {
        Instrumenter.Messages to = redirect.get();
        if (to != null) {
            to.info(message);
        } else {
            System.err.println("[greenthreads] " + message);
        }
    }

    static void warn(String message) {
        Instrumenter.Messages to = redirect.get();
        if (to != null) {
            to.warn(message);
        } else {
            System.err.println("[greenthreads] WARNING: " + message);
        }
    }

    /** "com.example.Owner.name(int, java.lang.String)": a method as a reader tells overloads apart. */
    static String method(String owner, String name, String desc) {
        StringBuilder b = new StringBuilder(owner.replace('/', '.')).append('.').append(name).append('(');
        org.objectweb.asm.Type[] parameters = org.objectweb.asm.Type.getArgumentTypes(desc);
        for (int i = 0; i < parameters.length; i++) {
            b.append(i == 0 ? "" : ", ").append(parameters[i].getClassName());
        }
        return b.append(')').toString();
    }
}
