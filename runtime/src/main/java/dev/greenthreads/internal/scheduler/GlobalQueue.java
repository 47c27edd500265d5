package dev.greenthreads.internal.scheduler;

import dev.greenthreads.internal.sync.SpinLock;
import java.util.ArrayDeque;

/**
 * The dispatcher-wide queue: green threads submitted from outside the carriers, and the
 * overflow of full carrier queues. A spin lock around an array deque (Go's global run queue is
 * likewise locked): it is off the hot path, which is a carrier's own {@link RunQueue}, and a
 * batch moves under one acquisition. {@link #size()} is a volatile snapshot so that the
 * carriers' frequent "anything there?" checks take no lock. The lock is a {@link SpinLock}, not
 * a {@code ReentrantLock}: it is held for a few stores, and a platform thread submitting a
 * burst that met a carrier taking a batch would otherwise park and be woken by a system call.
 *
 * @param <T> what is queued
 */
final class GlobalQueue<T> extends SpinLock {

    private final ArrayDeque<T> items = new ArrayDeque<>();
    private volatile int size;

    void push(T item) {
        lock();
        try {
            items.addLast(item);
            size = items.size();
        } finally {
            unlock();
        }
    }

    /** Adds {@code batch[0 .. n-1]} and then {@code last} (if not null), clearing the batch. */
    void pushBatch(Object[] batch, int n, T last) {
        lock();
        try {
            for (int i = 0; i < n; i++) {
                @SuppressWarnings("unchecked")
                T item = (T) batch[i];
                items.addLast(item);
                batch[i] = null;
            }
            if (last != null) {
                items.addLast(last);
            }
            size = items.size();
        } finally {
            unlock();
        }
    }

    T poll() {
        lock();
        try {
            T item = items.pollFirst();
            size = items.size();
            return item;
        } finally {
            unlock();
        }
    }

    /**
     * Takes up to {@code max} items: returns the first and offers the others to {@code into}
     * (a carrier's own queue, called by its owner, {@code buffer} its scratch array of at least
     * {@code max - 1} slots); as many as fit, the rest stay here. The offers come after the
     * lock is released, so that a submitter spins only while they are copied out.
     */
    T pollBatch(RunQueue<T> into, int max, Object[] buffer) {
        T first;
        int n = 0;
        lock();
        try {
            first = items.pollFirst();
            int room = Math.min(max - 1, into.room()); // only its owner adds to it: the room can only grow
            while (n < room && !items.isEmpty()) {
                buffer[n++] = items.pollFirst();
            }
            size = items.size();
        } finally {
            unlock();
        }
        for (int i = 0; i < n; i++) {
            @SuppressWarnings("unchecked")
            T item = (T) buffer[i];
            into.offer(item);
            buffer[i] = null;
        }
        return first;
    }

    int size() {
        return size;
    }
}
