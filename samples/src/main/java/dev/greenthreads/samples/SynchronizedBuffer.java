package dev.greenthreads.samples;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import java.util.ArrayList;
import java.util.List;

/**
 * Producers and consumers through the textbook bounded buffer, written with {@code synchronized},
 * {@code wait} and {@code notifyAll} only: the same bytes run on green threads (rewritten as they
 * load, with the agent option {@code monitors} to park instead of pinning), virtual threads and
 * platform threads. The code of the benchmark {@code SynchronizedBufferBenchmark}.
 */
public final class SynchronizedBuffer {

    private SynchronizedBuffer() {
    }

    /** The textbook bounded buffer. */
    public static final class Buffer {
        private final long[] items = new long[16];
        private int head, count;

        @Suspendable
        public synchronized void put(long item) throws InterruptedException {
            while (count == items.length) {
                wait();
            }
            items[(head + count++) % items.length] = item;
            notifyAll();
        }

        @Suspendable
        public synchronized long take() throws InterruptedException {
            while (count == 0) {
                wait();
            }
            long item = items[head];
            head = (head + 1) % items.length;
            count--;
            notifyAll();
            return item;
        }
    }

    @Suspendable
    static void produce(Buffer b, int items) throws InterruptedException {
        for (int i = 1; i <= items; i++) {
            b.put(i);
        }
    }

    @Suspendable
    static long consume(Buffer b, int items) throws InterruptedException {
        long sum = 0;
        for (int i = 0; i < items; i++) {
            sum += b.take();
        }
        return sum;
    }

    /** {@code pairs} producers and consumers through one buffer; the sum of what was taken. */
    public static long green(Scheduler s, int pairs, int items) {
        return s.run(() -> {
            Buffer b = new Buffer();
            List<GreenThread<Long>> consumers = new ArrayList<>();
            List<GreenThread<Void>> producers = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                producers.add(GreenThread.start(() -> produce(b, items)));
                consumers.add(GreenThread.start(() -> consume(b, items)));
            }
            long sum = 0;
            for (GreenThread<Long> c : consumers) {
                sum += c.join();
            }
            for (GreenThread<Void> p : producers) {
                p.join();
            }
            return sum;
        });
    }

    public static long virtual(int pairs, int items) {
        return VirtualThreads.call(() -> threads(pairs, items, true));
    }

    public static long platform(int pairs, int items) throws InterruptedException {
        return threads(pairs, items, false);
    }

    private static long threads(int pairs, int items, boolean virtual) throws InterruptedException {
        Buffer b = new Buffer();
        long[] sums = new long[pairs];
        List<Thread> all = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            int me = p;
            Runnable produce = () -> {
                try {
                    produce(b, items);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            };
            Runnable consume = () -> {
                try {
                    sums[me] = consume(b, items);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            };
            if (virtual) {
                all.add(VirtualThreads.start(produce));
                all.add(VirtualThreads.start(consume));
            } else {
                Thread t = new Thread(produce);
                Thread u = new Thread(consume);
                t.start();
                u.start();
                all.add(t);
                all.add(u);
            }
        }
        for (Thread t : all) {
            t.join();
        }
        long sum = 0;
        for (long s : sums) {
            sum += s;
        }
        return sum;
    }

    private static final Object LOCK = new Object();
    private static long counter;

    /** Uncontended: one green thread enters and leaves a monitor {@code times} times. */
    public static long uncontended(Scheduler s, int times) {
        return s.run(() -> {
            long before = counter;
            for (int i = 0; i < times; i++) {
                synchronized (LOCK) {
                    counter++;
                }
            }
            return counter - before;
        });
    }
}
