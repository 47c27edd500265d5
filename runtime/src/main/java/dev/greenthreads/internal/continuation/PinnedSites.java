package dev.greenthreads.internal.continuation;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What happens when a green thread suspends under a pin ({@link FrameStack#pin}): where the JVM
 * cannot unwind its stack. By default it <em>pins</em>: the parking code blocks the carrier
 * thread in place until the thread is woken, and the first suspension at each site is reported
 * through the {@link System.Logger} {@value #LOGGER} (a warning with the site, the remedy and the
 * stack). With the agent option {@code pinned=fail}, which sets the system property
 * {@code greenthreads.pinned=fail} (it may also be set directly), the suspension is refused
 * instead. The property is read at each pinned suspension, a path that blocks anyway, so that
 * a test can turn strictness on and off.
 *
 * <p>Messages, the refusal's and the report's, say what and where on their first line, the
 * remedy on the second, then why.
 *
 * <p>A site is the agent's name for the pinned call ("a synchronized block at
 * com.example.Cache.get(Cache.java:42)"): one string per call site, so reporting once per site
 * keeps a set bounded by the size of the code.
 */
public final class PinnedSites {

    /** The logger's name, for an application that wants the reports elsewhere or silenced. */
    public static final String LOGGER = "dev.greenthreads.pinned";

    private static final String CANNOT_UNWIND = "There the JVM holds a monitor, an object under construction or a frame"
            + " of JDK code, none of which can be unwound";
    private static final String REMEDY = "Move the suspending call out of it (use dev.greenthreads.sync.Mutex instead of"
            + " synchronized, a factory method instead of a constructor, a plain loop instead of forEach, a stream or"
            + " computeIfAbsent)";

    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

    private PinnedSites() {
    }

    /** Whether a suspension that would pin is refused: {@code -Dgreenthreads.pinned=fail}, the agent's {@code pinned=fail}. */
    private static boolean refused() {
        return "fail".equals(System.getProperty("greenthreads.pinned"));
    }

    /**
     * Called by the parking code of {@code thread} before it blocks its carrier at {@code site}:
     * throws when pinning is refused, else reports the site if it is the first suspension there.
     */
    public static void pinning(String site, String thread) {
        if (refused()) {
            throw new IllegalStateException("a green thread cannot suspend inside " + site + ": it would pin its carrier"
                    + " there, and the option pinned=fail refuses that\n" + REMEDY + ", or run without pinned=fail to let"
                    + " it block its carrier\n" + CANNOT_UNWIND);
        }
        if (REPORTED.add(site)) {
            System.getLogger(LOGGER).log(System.Logger.Level.WARNING, "green thread \"" + thread + "\" pinned its carrier"
                    + " inside " + site + "\n" + REMEDY + "\n" + CANNOT_UNWIND + ", so the green thread blocks its carrier"
                    + " thread until it is woken, and the scheduler runs the others on other carriers. Reported once for"
                    + " this place; the agent option pinned=fail makes it an error. Stack:" + stack());
        }
    }

    /** The refusal of the bare primitive, {@link FrameStack#suspend()} under a pin: there is nothing to block on. */
    static IllegalStateException refusal(String site) {
        return new IllegalStateException("a green thread cannot suspend inside " + site + "\n" + REMEDY + "\n"
                + CANNOT_UNWIND);
    }

    /** The stack of the pinned green thread, from the suspending call out, without the runtime's frames. */
    private static String stack() {
        return Arrays.stream(new Throwable().getStackTrace())
                .dropWhile(f -> f.getClassName().startsWith("dev.greenthreads.internal."))
                .map(f -> "\n\tat " + f)
                .collect(Collectors.joining());
    }
}
