package dev.greenthreads.internal.scheduler;

import dev.greenthreads.GreenDeadlockException;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.sync.SpinLock;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * One edge of the wait-for graph: a strand waiting, untimed, for a lock or a thread, which some
 * strand (the <em>holder</em>) has to release or end. A strand in such a wait points to its
 * edge ({@code Strand.waitsFor}); the edge finds the holder through the lock it is about
 * ({@link #holder()}); so the graph is the strands, their edges and the locks' owner fields,
 * and costs nothing until something waits. A primitive makes one edge per wait (a {@code Mutex}
 * waiter, a join), never reuses it, {@link #begin()}s it before its first park, calls
 * {@link #check} before each park, and {@link #end()}s it when the wait is over.
 *
 * <h2>The check, and why it never reports a deadlock that is not there</h2>
 * Before parking, the waiter follows edge &rarr; holder &rarr; the holder's edge &rarr; ... at
 * most {@value #MAX_DEPTH} hops; if it comes back to itself, its wait would close a cycle and it
 * throws {@link GreenDeadlockException} instead of parking. Only the contended path checks: a
 * lock taken at once writes no edge and reads none.
 *
 * <p>The graph is read without locks while it changes, so a chain seen once may never have
 * existed as a whole (a holder released its lock and started another wait between two reads).
 * A cycle is therefore read twice, and believed only if the second reading finds the very same
 * edge objects and holders. That is a sound confirmation: an edge object is one wait of one
 * strand, so the same edge at both readings means its strand waited throughout, and a waiting
 * strand releases nothing and acquires nothing but what it waits for. So every holder of the
 * cycle held its lock and waited at the instant between the two readings, while the checking
 * strand held its own: a real cycle then, and nobody in it can leave it by itself. (Something
 * outside can: a cancelled {@code join}, which is a cancellation point.)
 *
 * <p>Edges are written before the check reads others' (both volatile), so of two threads that
 * close one cycle at the same moment at least one sees it. If both do, one is refused: a closer
 * confirms the cycle once more under one global lock (held for a few reads, taken only when a
 * cycle was seen) and marks its edge refused there; a closer that finds an edge of the cycle
 * refused already, or the cycle gone, waits instead, for the refused one will let go. Each
 * check is a handful of volatile reads when the holder is running, which it almost always is.
 *
 * <h2>Sites</h2>
 * A site costs a stack walk, so none is taken on the way to a park. When a cycle is confirmed,
 * the closer asks each green thread of it for its site ({@code siteWanted}) and unparks it; a
 * green thread whose park returns in a wait whose site is wanted walks its own stack, notes the
 * site and parks again, as after any spurious wake-up. The closer lets them run (yields, or on a
 * platform thread short parks, a bounded number of times) and reads a platform thread's site
 * from its stack. A site that did not come in time is reported as unknown.
 */
public abstract class WaitsFor {

    /** Hops followed from a waiter: a cycle of more threads than this is not detected. */
    static final int MAX_DEPTH = 64;
    /** How many times a closer yields (or parks briefly) for the sites of the cycle's green threads. */
    private static final int SITE_ROUNDS = 1000;
    private static final long SITE_PARK_NANOS = 50_000;

    /** Guards {@link #refused}: who of the closers of one cycle is refused. */
    private static final SpinLock DECIDING = new SpinLock() { };

    /** The strand that waits. */
    final Strand waiter;
    /** This wait closes a cycle and is being refused; written under {@link #DECIDING}. */
    private boolean refused;
    private volatile boolean siteWanted;
    private volatile StackTraceElement site;

    protected WaitsFor(Strand waiter) {
        this.waiter = waiter;
    }

    /** The strand that holds what this waits for, read without locks; null if none does or it is not known. */
    protected abstract Strand holder();

    /** What it waits for, held by {@code holder}: {@code mutex Mutex@1a2b held by "b"}; {@code green thread "b" to end}. */
    protected abstract String describe(Strand holder);

    /** The waiter (the current strand) enters this wait: from now on, others' checks follow it. */
    public final void begin() {
        waiter.waitsFor = this;
    }

    /** The waiter's wait is over. */
    public final void end() {
        waiter.waitsFor = null;
    }

    /**
     * Called by the waiter, its edge begun, before it parks: throws {@link GreenDeadlockException}
     * (having ended this edge) if the wait would close a cycle, with {@code remedy} as the
     * message's last line; else returns at once.
     */
    @Suspendable
    public final void check(String remedy) {
        int length = cycleLength();
        if (length == 0) {
            return;
        }
        WaitsFor[] edges = new WaitsFor[length];
        Strand[] holders = new Strand[length];
        if (!read(edges, holders) || !same(edges, holders) || !refuse(edges, holders)) {
            return; // the chain changed under us, or another thread of the cycle is refused: wait
        }
        gatherSites(edges);
        StackTraceElement mine = callerSite();
        end();
        String message = message(edges, holders, mine, remedy);
        FlightEvents.deadlockRefused(waiter, message);
        throw new GreenDeadlockException(message);
    }

    /** The waiter's park returned: notes its site if a closer asked for it. Cheap when not. */
    final void parkReturned() {
        if (siteWanted && site == null) {
            site = callerSite();
        }
    }

    /** {@code Mutex@1a2b}: a lock's name in messages, its class and identity hash. */
    public static String name(Object lock) {
        return lock.getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(lock));
    }

    // ------------------------------------------------------------------------------------

    /** Follows the chain from this edge; the number of edges to come back to the waiter, or 0. */
    private int cycleLength() {
        WaitsFor e = this;
        for (int n = 1; n <= MAX_DEPTH; n++) {
            Strand h = e.holder();
            if (h == null) {
                return 0;
            }
            if (h == waiter) {
                return n;
            }
            e = h.waitsFor;
            if (e == null) {
                return 0;
            }
        }
        return 0;
    }

    /** Reads the chain into the arrays; false unless it comes back to the waiter after exactly their length. */
    private boolean read(WaitsFor[] edges, Strand[] holders) {
        WaitsFor e = this;
        for (int i = 0; i < edges.length; i++) {
            Strand h = e.holder();
            edges[i] = e;
            holders[i] = h;
            if (h == null) {
                return false;
            }
            if (i == edges.length - 1) {
                return h == waiter;
            }
            e = h.waitsFor;
            if (e == null) {
                return false;
            }
        }
        return false;
    }

    /** Whether the chain read again is the same edges and holders: the confirmation. */
    private boolean same(WaitsFor[] edges, Strand[] holders) {
        WaitsFor e = this;
        for (int i = 0; i < edges.length; i++) {
            if (e != edges[i] || e.holder() != holders[i]) {
                return false;
            }
            if (i < edges.length - 1) {
                e = holders[i].waitsFor;
            }
        }
        return true;
    }

    /** Whether this wait is the one of the cycle to refuse: it still stands, and no other closer of it was chosen. */
    private boolean refuse(WaitsFor[] edges, Strand[] holders) {
        DECIDING.lock();
        try {
            if (!same(edges, holders)) {
                return false;
            }
            for (int i = 1; i < edges.length; i++) {
                if (edges[i].refused) {
                    return false;
                }
            }
            refused = true;
            return true;
        } finally {
            DECIDING.unlock();
        }
    }

    @Suspendable
    private static void gatherSites(WaitsFor[] edges) {
        boolean pending = false;
        for (int i = 1; i < edges.length; i++) {
            WaitsFor e = edges[i];
            if (e.waiter.isGreen() && e.site == null) {
                e.siteWanted = true;
                e.waiter.unpark();
                pending = true;
            }
        }
        for (int round = 0; pending && round < SITE_ROUNDS; round++) {
            GreenStrand me = GreenStrand.current();
            if (me != null) {
                me.yieldNow();
            } else {
                LockSupport.parkNanos(SITE_PARK_NANOS);
            }
            pending = false;
            for (int i = 1; i < edges.length; i++) {
                pending |= edges[i].waiter.isGreen() && edges[i].site == null;
            }
        }
    }

    private static String message(WaitsFor[] edges, Strand[] holders, StackTraceElement mine, String remedy) {
        StringBuilder m = new StringBuilder("deadlock: ").append(edges[0].waiter.describe());
        for (int i = 0; i < edges.length; i++) {
            m.append(i == 0 ? " waits for " : ", which waits for ").append(edges[i].describe(holders[i]));
        }
        for (int i = 0; i < edges.length; i++) {
            Strand s = edges[i].waiter;
            StackTraceElement at = i == 0 ? mine : s.isGreen() ? edges[i].site : firstOutsideRuntime(s.platformStack());
            m.append("\n  ").append(s.describe()).append(at != null ? " waits at " + site(at)
                    : " waits at a site it did not report in time");
        }
        if (remedy != null) {
            m.append('\n').append(remedy);
        }
        return m.toString();
    }

    private static String site(StackTraceElement e) {
        return e.getClassName() + "." + e.getMethodName() + ":" + e.getLineNumber();
    }

    /** The innermost frame of the current stack that is the application's: the caller of the lock or join. */
    private static StackTraceElement callerSite() {
        Optional<StackTraceElement> caller = StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !isRuntime(f.getClassName()))
                .findFirst()
                .map(StackWalker.StackFrame::toStackTraceElement));
        return caller.orElse(null);
    }

    private static StackTraceElement firstOutsideRuntime(StackTraceElement[] stack) {
        if (stack != null) {
            for (StackTraceElement e : stack) {
                if (!isRuntime(e.getClassName())) {
                    return e;
                }
            }
        }
        return null;
    }

    /** Frames of the JDK and of the runtime's waiting code, which a site skips. */
    private static boolean isRuntime(String className) {
        if (className.startsWith("java.") || className.startsWith("jdk.") || className.startsWith("sun.")
                || className.startsWith("dev.greenthreads.internal.")) {
            return true;
        }
        int nested = className.indexOf('$');
        String top = nested < 0 ? className : className.substring(0, nested);
        switch (top) {
            case "dev.greenthreads.GreenThread":
            case "dev.greenthreads.sync.Mutex":
            case "dev.greenthreads.sync.RwLock":
            case "dev.greenthreads.sync.Cond":
            case "dev.greenthreads.sync.WaitQueue":
                return true;
            default:
                return false;
        }
    }
}
