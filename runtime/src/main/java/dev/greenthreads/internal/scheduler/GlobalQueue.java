package dev.greenthreads.internal.scheduler;

import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The dispatcher-wide queue: green threads submitted from outside the carriers, and the
 * overflow of full carrier queues. A lock around an array deque (Go's global run queue is
 * likewise locked): it is off the hot path, which is a carrier's own {@link RunQueue}, and a
 * batch moves under one acquisition. {@link #size()} is a volatile snapshot so that the
 * carriers' frequent "anything there?" checks take no lock.
 *
 * @param <T> what is queued
 */
final class GlobalQueue<T> {

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<T> items = new ArrayDeque<>();
    private volatile int size;

    void push(T item) {
        lock.lock();
        try {
            items.addLast(item);
            size = items.size();
        } finally {
            lock.unlock();
        }
    }

    /** Adds {@code batch[0 .. n-1]} and then {@code last} (if not null), clearing the batch. */
    void pushBatch(Object[] batch, int n, T last) {
        lock.lock();
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
            lock.unlock();
        }
    }

    T poll() {
        lock.lock();
        try {
            T item = items.pollFirst();
            size = items.size();
            return item;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes up to {@code max} items: returns the first and offers the others to {@code into}
     * (a carrier's own queue, called by its owner); what does not fit stays here.
     */
    T pollBatch(RunQueue<T> into, int max) {
        lock.lock();
        try {
            T first = items.pollFirst();
            for (int i = 1; i < max && !items.isEmpty(); i++) {
                if (!into.offer(items.peekFirst())) {
                    break;
                }
                items.pollFirst();
            }
            size = items.size();
            return first;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        return size;
    }
}
