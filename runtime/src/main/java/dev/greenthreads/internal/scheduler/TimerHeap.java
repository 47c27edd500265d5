package dev.greenthreads.internal.scheduler;

import java.util.Arrays;

/**
 * The deadlines of timed waits (sleep, timed join, timed park), earliest first: a binary heap
 * whose members know their own position, so that a wait that ends early is removed in
 * O(log n) at once instead of lingering until its deadline (it would keep an ended thread
 * reachable). Not thread-safe: the dispatcher that owns it guards it with its lock.
 *
 * <p>Deadlines are {@code System.nanoTime()}-style values, compared by subtraction so that they
 * may wrap. Equal deadlines fire in insertion order, which the deterministic scheduler relies on
 * to replay a run exactly.
 *
 * @param <T> the members, which store their index for O(log n) removal
 */
final class TimerHeap<T extends TimerHeap.Member> {

    /** Something with at most one pending deadline in at most one heap. */
    interface Member {
        /** The index given by the last {@link #heapIndex(int)}; -1 when not in a heap. */
        int heapIndex();

        void heapIndex(int index);
    }

    private Object[] members = new Object[16];
    private long[] deadlines = new long[16];
    private long[] sequence = new long[16];
    private int size;
    private long added;

    /** Adds {@code m}, which must not be in a heap. Returns true when it is now the earliest. */
    boolean add(T m, long deadline) {
        if (m.heapIndex() >= 0) {
            throw new IllegalStateException("already in a timer heap");
        }
        if (size == members.length) {
            members = Arrays.copyOf(members, size * 2);
            deadlines = Arrays.copyOf(deadlines, size * 2);
            sequence = Arrays.copyOf(sequence, size * 2);
        }
        int i = size++;
        place(i, m, deadline, added++);
        return siftUp(i) == 0;
    }

    /** Removes {@code m} if it is here; returns whether it was. */
    boolean remove(T m) {
        int i = m.heapIndex();
        if (i < 0 || i >= size || members[i] != m) {
            return false;
        }
        removeAt(i);
        return true;
    }

    /** Removes and returns the earliest member if its deadline is not after {@code now}, else null. */
    @SuppressWarnings("unchecked")
    T pollDue(long now) {
        if (size == 0 || deadlines[0] - now > 0) {
            return null;
        }
        T m = (T) members[0];
        removeAt(0);
        return m;
    }

    /** The earliest deadline; only when not {@link #isEmpty()}. */
    long earliestDeadline() {
        if (size == 0) {
            throw new IllegalStateException("no timers");
        }
        return deadlines[0];
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    // ------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private void removeAt(int i) {
        T gone = (T) members[i];
        gone.heapIndex(-1);
        int last = --size;
        if (i != last) {
            place(i, (T) members[last], deadlines[last], sequence[last]);
            members[last] = null;
            if (siftUp(i) == i) {
                siftDown(i);
            }
        } else {
            members[last] = null;
        }
    }

    private boolean before(int a, int b) {
        long d = deadlines[a] - deadlines[b];
        return d < 0 || d == 0 && sequence[a] < sequence[b];
    }

    private int siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(i, parent)) {
                break;
            }
            swap(i, parent);
            i = parent;
        }
        return i;
    }

    private void siftDown(int i) {
        for (;;) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int r = l + 1;
            int c = r < size && before(r, l) ? r : l;
            if (!before(c, i)) {
                return;
            }
            swap(i, c);
            i = c;
        }
    }

    @SuppressWarnings("unchecked")
    private void swap(int a, int b) {
        T ma = (T) members[a];
        long da = deadlines[a], sa = sequence[a];
        place(a, (T) members[b], deadlines[b], sequence[b]);
        place(b, ma, da, sa);
    }

    private void place(int i, T m, long deadline, long seq) {
        members[i] = m;
        deadlines[i] = deadline;
        sequence[i] = seq;
        m.heapIndex(i);
    }
}
