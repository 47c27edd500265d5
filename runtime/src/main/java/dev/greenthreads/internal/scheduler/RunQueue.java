package dev.greenthreads.internal.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A carrier's bounded run queue: a ring of {@value #CAPACITY} slots with one producer, the
 * carrier that owns it, and many consumers, the owner and thieves (Go's {@code runq}).
 *
 * <h2>Implementation overview</h2>
 *
 * {@code tail} is written only by the owner, with a release store after the slot it publishes;
 * {@code head} is advanced by compare-and-set by whoever consumes, owner or thief, so a slot is
 * taken by exactly one of them. A thief copies the items it wants, then claims them with one
 * compare-and-set of the victim's head: if the owner or another thief moved the head meanwhile
 * the copy is discarded and retried. The owner never writes a slot between head and tail, so the
 * copied items cannot change under the thief while its claim can still succeed.
 *
 * <p>Consumed slots are cleared so that the ring does not keep ended green threads reachable
 * (a detached thread must leave nothing behind). The owner clears with a plain store after its
 * claim; a thief clears with a compare-and-set against the item it took, because by then the
 * owner may already have reused the slot.
 *
 * <p>Owner-only methods: {@link #offer}, {@link #poll}, {@link #drainHalf}, {@link #room}, and
 * {@link #stealHalfFrom} called on the thief's own queue. {@link #isEmpty} and {@link #size}
 * are racy snapshots for anyone.
 *
 * @param <T> what is queued (green threads; anything non-null in tests)
 */
final class RunQueue<T> {

    /** Slots of the ring: Go's size, which also bounds how much one steal or overflow moves. */
    static final int CAPACITY = 256;
    private static final int MASK = CAPACITY - 1;

    private static final VarHandle HEAD, TAIL, SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(RunQueue.class, "head", int.class);
            TAIL = l.findVarHandle(RunQueue.class, "tail", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] slots = new Object[CAPACITY];
    /** Next slot to consume; advanced by CAS. */
    private volatile int head;
    /** Next slot to fill; written by the owner only. */
    private volatile int tail;

    /** Owner: adds {@code item} at the tail. Returns false when the ring is full. */
    boolean offer(T item) {
        int t = (int) TAIL.getOpaque(this);
        if (t - head >= CAPACITY) {
            return false;
        }
        SLOTS.setRelease(slots, t & MASK, item);
        TAIL.setRelease(this, t + 1);
        return true;
    }

    /** Owner: takes the item at the head, or returns null when the ring is empty. */
    @SuppressWarnings("unchecked")
    T poll() {
        for (;;) {
            int h = head;
            if (h == (int) TAIL.getOpaque(this)) {
                return null;
            }
            Object item = SLOTS.getAcquire(slots, h & MASK);
            if (HEAD.compareAndSet(this, h, h + 1)) {
                SLOTS.setOpaque(slots, h & MASK, null);
                return (T) item;
            }
        }
    }

    /**
     * Owner, when {@link #offer} failed: takes the older half of a full ring into
     * {@code out[0 .. n-1]}, oldest first, so they can go to the global queue in one batch.
     * Returns n, or 0 when the ring is no longer full (thieves took some): offer again.
     */
    int drainHalf(Object[] out) {
        int h = head;
        int t = (int) TAIL.getOpaque(this);
        int n = (t - h) / 2;
        if (n != CAPACITY / 2) {
            return 0;
        }
        for (int i = 0; i < n; i++) {
            out[i] = SLOTS.getAcquire(slots, (h + i) & MASK);
        }
        if (!HEAD.compareAndSet(this, h, h + n)) {
            java.util.Arrays.fill(out, 0, n, null);
            return 0;
        }
        for (int i = 0; i < n; i++) {
            SLOTS.compareAndSet(slots, (h + i) & MASK, out[i], null);
        }
        return n;
    }

    /**
     * Thief, called on its own (empty) queue: moves about half of {@code victim}'s items, the
     * older half, into this queue and returns one of them to run now; null when the victim
     * had nothing.
     */
    @SuppressWarnings("unchecked")
    T stealHalfFrom(RunQueue<T> victim) {
        int t = (int) TAIL.getOpaque(this);
        int room = CAPACITY - (t - head);
        for (;;) {
            int h = (int) HEAD.getAcquire(victim);
            int vt = (int) TAIL.getAcquire(victim);
            int n = vt - h;
            n -= n / 2;
            if (n <= 0) {
                return null;
            }
            if (n > CAPACITY / 2) {
                continue; // head and tail read at different moments: read again
            }
            n = Math.min(n, room);
            if (n <= 0) {
                return null;
            }
            for (int i = 0; i < n; i++) {
                slots[(t + i) & MASK] = SLOTS.getAcquire(victim.slots, (h + i) & MASK);
            }
            if (HEAD.compareAndSet(victim, h, h + n)) {
                for (int i = 0; i < n; i++) {
                    SLOTS.compareAndSet(victim.slots, (h + i) & MASK, slots[(t + i) & MASK], null);
                }
                int last = (t + n - 1) & MASK;
                T item = (T) slots[last];
                slots[last] = null;
                if (n > 1) {
                    TAIL.setRelease(this, t + n - 1);
                }
                return item;
            }
            for (int i = 0; i < n; i++) {
                slots[(t + i) & MASK] = null;
            }
        }
    }

    /** Owner: free slots, a lower bound while thieves take from the head. */
    int room() {
        return CAPACITY - ((int) TAIL.getOpaque(this) - head);
    }

    boolean isEmpty() {
        return head == tail;
    }

    int size() {
        int n = tail - head;
        return Math.max(0, Math.min(n, CAPACITY));
    }
}
