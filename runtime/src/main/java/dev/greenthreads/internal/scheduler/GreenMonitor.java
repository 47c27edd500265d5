package dev.greenthreads.internal.scheduler;

import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.continuation.FrameStack;
import dev.greenthreads.internal.sync.SpinLock;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Monitors that suspend (agent option {@code monitors}): what rewritten code calls for
 * {@code synchronized}, {@code Object.wait}, {@code notify} and {@code notifyAll}, so that a
 * green thread waiting for a monitor, or waiting on one, parks instead of blocking its carrier.
 *
 * <h2>Two locks per monitor</h2>
 * In rewritten code each monitor is held twice: its <em>green ownership</em>, a reentrant lock
 * kept here, held for the whole {@code synchronized} region, suspensions included; and the
 * object's JVM monitor, held only while the frame runs on a carrier. The agent emits
 * {@code GreenMonitor.enter(o); MONITORENTER o} and {@code GreenMonitor.exit(o); MONITOREXIT o},
 * so the order is always green, then JVM: a thread releases the green ownership while it still
 * holds the JVM monitor. A frame that suspends inside a region releases its JVM monitors as it
 * unwinds and takes them again as it is restored, before re-issuing its call; it keeps the green
 * ownerships throughout, and they are what excludes the other threads.
 *
 * <h2>The lock table</h2>
 * Green ownership lives in a {@link Record} per object, in a table striped by
 * {@link System#identityHashCode}, each stripe a {@link SpinLock} over an identity map. A record
 * exists only while someone owns the object, waits to own it or waits on it ({@code wait}); the
 * last to leave removes it. So the table never holds an object longer than its users do, and no
 * weak reference is needed.
 *
 * <h2>Owning and waiting</h2>
 * A contended {@link #enter} queues a {@link Node} on the record's entry queue (FIFO) and parks:
 * a green thread without blocking its carrier, a platform thread in {@code LockSupport}. A full
 * release with a queue <em>hands</em> the ownership to the head, which never sees the lock free:
 * {@code owner == null} implies an empty entry queue, so nobody jumps it. {@link #await} saves
 * its count, releases fully and joins the record's wait set; {@link #notify}/{@link #notifyAll}
 * move waiters from the wait set to the entry queue, FIFO, where they get the ownership back
 * with their count by hand-off. A timeout or cancellation moves a waiter the same way.
 *
 * <h2>Waiters that hold a JVM monitor</h2>
 * A green thread parks by unwinding, which releases its JVM monitors. A platform thread cannot
 * (nor a green thread whose park would pin, {@link FrameStack#pinnedAt()}): it still holds the
 * object's JVM monitor, so parking it while a green owner needs that monitor to be restored would
 * invert the lock order. Such a waiter waits in {@code o.wait()} instead, which releases the JVM
 * monitor, until its node is granted; whoever grants it holds that JVM monitor (by the emit
 * order) and calls {@code o.notifyAll()}. Both check and grant happen under the JVM monitor, so
 * no wake-up is lost; a spurious one just loops.
 *
 * <h2>Where exclusion cannot hold</h2>
 * Only rewritten code takes the green ownership. Code that was not rewritten (the JDK, libraries
 * outside the rewrite, methods that are not suspendable) and locks the same object with a plain
 * {@code synchronized} gets the JVM monitor alone, so it runs while a green thread is suspended
 * inside its region. Likewise {@code wait} and {@code notify} on one object must all be in
 * rewritten code: a {@code notify} that was not rewritten wakes no green waiter, and a
 * {@code wait} that was not rewritten keeps the green ownership while it waits.
 */
public final class GreenMonitor {

    private GreenMonitor() {
    }

    private static final int STRIPES = 64;
    private static final Stripe[] TABLE = new Stripe[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) {
            TABLE[i] = new Stripe();
        }
    }

    /** One stripe of the table; its lock guards its map and every field of its records and nodes but {@link Node#state}'s reads. */
    private static final class Stripe extends SpinLock {
        final IdentityHashMap<Object, Record> records = new IdentityHashMap<>();
        /** A record kept for the next object, so that an uncontended enter and exit allocate nothing. */
        Record spare;

        Record recordOf(Object o) {
            Record r = records.get(o);
            if (r == null) {
                r = spare != null ? spare : new Record();
                spare = null;
                r.object = o;
                records.put(o, r);
            }
            return r;
        }

        void removeIfUnused(Record r) {
            if (r.owner == null && r.waitSet.isEmpty()) {
                records.remove(r.object);
                r.object = null;
                spare = r;
            }
        }
    }

    private static final class Record {
        Object object;
        Strand owner;
        int count;
        final ArrayDeque<Node> entry = new ArrayDeque<>(2);
        final ArrayDeque<Node> waitSet = new ArrayDeque<>(2);
    }

    private static final int IN_WAIT_SET = 0, IN_ENTRY = 1, GRANTED = 2;

    /** A thread that waits to own the object (again), with the count it will own it with. */
    private static final class Node {
        final Strand strand;
        /** Whether it waits in {@code object.wait()}, holding the JVM monitor while it checks; else it parks. */
        final boolean jvmWait;
        final int count;
        volatile int state;

        Node(Strand strand, boolean jvmWait, int count, int state) {
            this.strand = strand;
            this.jvmWait = jvmWait;
            this.count = count;
            this.state = state;
        }
    }

    private static Stripe stripe(Object o) {
        int h = System.identityHashCode(o);
        return TABLE[(h ^ (h >>> 16)) & (STRIPES - 1)];
    }

    /** Before {@code MONITORENTER o}: takes the green ownership of {@code o}, reentrantly, waiting as long as it takes. */
    @Suspendable
    public static void enter(Object o) {
        Objects.requireNonNull(o);
        Strand me = Strand.current();
        Interleavings.switchPoint("synchronized", o);
        Stripe s = stripe(o);
        s.lock();
        Record r = s.recordOf(o);
        if (r.owner == null) {
            r.owner = me;
            r.count = 1;
            s.unlock();
            return;
        }
        if (r.owner == me) {
            r.count++;
            s.unlock();
            return;
        }
        Node n = new Node(me, false, 1, IN_ENTRY);
        r.entry.add(n);
        s.unlock();
        parkUntilGranted(n);
    }

    /**
     * Before {@code MONITOREXIT o}: gives back one hold of the green ownership of {@code o}.
     *
     * @throws IllegalMonitorStateException if the current thread does not own it
     */
    public static void exit(Object o) {
        Strand me = Strand.current();
        Stripe s = stripe(o);
        s.lock();
        Record r = s.records.get(o);
        if (r == null || r.owner != me) {
            s.unlock();
            throw notOwner(o, "leave a synchronized region on");
        }
        Node next = null;
        if (--r.count == 0) {
            next = release(s, r);
        }
        s.unlock();
        wake(o, next);
    }

    /**
     * {@code o.wait(millis, nanos)}; {@code o.wait()} is {@code (0, 0)}, no timeout, as for the JDK.
     * A cancellation point on a green thread: a cancelled waiter owns the monitor again before it throws.
     *
     * @throws IllegalArgumentException     for a negative timeout or nanoseconds out of 0..999999
     * @throws IllegalMonitorStateException if the current thread does not own {@code o}
     * @throws InterruptedException         if the thread was interrupted before or, on a platform thread, while it waited
     */
    @Suspendable
    public static void await(Object o, long millis, int nanos) throws InterruptedException {
        if (millis < 0) {
            throw new IllegalArgumentException("timeout value is negative");
        }
        if (nanos < 0 || nanos > 999_999) {
            throw new IllegalArgumentException("nanosecond timeout value out of range");
        }
        Strand me = Strand.current();
        boolean parks = me.isGreen() && FrameStack.current().pinnedAt() == null;
        Stripe s = stripe(o);
        s.lock();
        Record r = s.records.get(o);
        if (r == null || r.owner != me) {
            s.unlock();
            throw notOwner(o, "wait on");
        }
        if (Thread.interrupted()) {
            s.unlock();
            throw new InterruptedException();
        }
        if (me.isGreen() && Strand.cancelRequested()) {
            s.unlock();
            Strand.testCancel();
        }
        Node n = new Node(me, !parks, r.count, IN_WAIT_SET);
        r.waitSet.add(n);
        Node next = release(s, r);
        s.unlock();
        wake(o, next);
        boolean timed = millis > 0 || nanos > 0;
        long timeout = timed ? TimeUnit.MILLISECONDS.toNanos(millis) + nanos : 0L;
        if (parks) {
            Interleavings.note("wait", o);
            parkInWaitSet(s, r, n, timed, timeout);
            parkUntilGranted(n);
            Strand.testCancel();
        } else {
            waitInJvm(o, s, r, n, timed, timeout);
        }
    }

    /**
     * {@code o.notify()}: moves the longest waiter on {@code o}, if any, to wait for the ownership.
     *
     * @throws IllegalMonitorStateException if the current thread does not own {@code o}
     */
    public static void notify(Object o) {
        notify(o, false);
    }

    /** {@code o.notifyAll()}: as {@link #notify(Object)} for every waiter, in the order they came. */
    public static void notifyAll(Object o) {
        notify(o, true);
    }

    private static void notify(Object o, boolean all) {
        Strand me = Strand.current();
        Stripe s = stripe(o);
        s.lock();
        Record r = s.records.get(o);
        if (r == null || r.owner != me) {
            s.unlock();
            throw notOwner(o, all ? "notifyAll on" : "notify on");
        }
        Node n;
        while ((n = r.waitSet.poll()) != null) {
            n.state = IN_ENTRY;
            r.entry.add(n);
            if (!all) {
                break;
            }
        }
        s.unlock();
    }

    /** Full release under the stripe's lock: hands the ownership to the entry queue's head, which the caller then wakes. */
    private static Node release(Stripe s, Record r) {
        Node next = r.entry.poll();
        if (next != null) {
            r.owner = next.strand;
            r.count = next.count;
            next.state = GRANTED;
        } else {
            r.owner = null;
            s.removeIfUnused(r);
        }
        return next;
    }

    /** Wakes a node just granted; the caller holds {@code o}'s JVM monitor, which a JVM waiter needs to be notified. */
    private static void wake(Object o, Node granted) {
        if (granted == null) {
            return;
        }
        if (granted.jvmWait) {
            o.notifyAll();
        } else {
            granted.strand.unpark();
        }
    }

    /** Leaves the wait set for the entry queue, or owns the object at once if it is free. Under the stripe's lock. */
    private static void leaveWaitSet(Record r, Node n) {
        r.waitSet.remove(n);
        if (r.owner == null) {
            r.owner = n.strand;
            r.count = n.count;
            n.state = GRANTED;
        } else {
            n.state = IN_ENTRY;
            r.entry.add(n);
        }
    }

    @Suspendable
    private static void parkUntilGranted(Node n) {
        boolean interrupted = false;
        while (n.state != GRANTED) {
            Strand.park();
            if (!n.strand.isGreen() && Thread.interrupted()) {
                interrupted = true; // a platform thread's park returns at once while interrupted
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A green waiter parks (its frames unwind, releasing the JVM monitors) until notified, timed out or cancelled. */
    @Suspendable
    private static void parkInWaitSet(Stripe s, Record r, Node n, boolean timed, long timeout) {
        long deadline = timed ? Strand.deadlineAfter(Strand.nanoTime(), timeout) : 0L;
        while (n.state == IN_WAIT_SET) {
            if (Strand.cancelRequested() || timed && deadline - Strand.nanoTime() <= 0) {
                s.lock();
                if (n.state == IN_WAIT_SET) {
                    leaveWaitSet(r, n);
                }
                s.unlock();
                return;
            }
            if (timed) {
                Strand.parkUntil(deadline);
            } else {
                Strand.park();
            }
        }
    }

    /**
     * A waiter that holds {@code o}'s JVM monitor (a platform thread, or a green thread that would
     * pin) waits in {@code o.wait()} until notified or timed out, then until granted the ownership.
     */
    private static void waitInJvm(Object o, Stripe s, Record r, Node n, boolean timed, long timeout)
            throws InterruptedException {
        InterruptedException thrown = null;
        long deadline = System.nanoTime() + timeout;
        try {
            while (n.state == IN_WAIT_SET) {
                if (!timed) {
                    o.wait();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    o.wait(TimeUnit.NANOSECONDS.toMillis(left), (int) (left % 1_000_000));
                }
            }
        } catch (InterruptedException e) {
            thrown = e;
        }
        s.lock();
        if (n.state == IN_WAIT_SET) {
            leaveWaitSet(r, n);
        }
        s.unlock();
        boolean interrupted = false;
        while (n.state != GRANTED) {
            try {
                o.wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (thrown != null) {
            throw thrown;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static IllegalMonitorStateException notOwner(Object o, String what) {
        return new IllegalMonitorStateException("current thread is not owner: " + Strand.current().describe() + " tried to "
                + what + " a " + o.getClass().getName() + " whose monitor it does not hold; call it inside synchronized on that"
                + " object");
    }
}
