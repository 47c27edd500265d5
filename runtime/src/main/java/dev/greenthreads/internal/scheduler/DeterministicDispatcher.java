package dev.greenthreads.internal.scheduler;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One carrier; each time it needs the next thread it draws one uniformly from the whole ready
 * set with a {@link SplittableRandom} seeded once, so a seed names one interleaving and the
 * same seed replays it.
 *
 * <h2>Time</h2>
 *
 * Timed waits of its green threads (sleep, timed join, timed parks) use a virtual clock, which
 * {@link #nanoTime()} returns and which starts at 0:
 * <ul>
 *   <li>every dispatch advances it by {@value #QUANTUM_NANOS} ns, then fires the timers that
 *       are due (equal deadlines in the order they were set), then draws;</li>
 *   <li>when no thread is ready, the carrier waits in real time for the gap to the next
 *       deadline, then sets the clock to that deadline. If a thread becomes ready during that
 *       wait (woken by a platform thread), the clock advances by the real time waited
 *       instead.</li>
 * </ul>
 * So a program whose green threads interact only with each other replays exactly, timeouts
 * included, while a sleep still takes about as long as it says.
 *
 * <h2>What replays</h2>
 *
 * Everything the green threads of this scheduler do among themselves. Events that come from
 * platform threads (a start, an unpark, a signal) arrive when they arrive: start the others
 * from one root thread ({@code scheduler.run(() -> ...)}) rather than from the platform thread
 * one by one, or the carrier may already be running the first when the second is submitted.
 */
final class DeterministicDispatcher extends OneCarrierDispatcher {

    /** Virtual time each dispatch costs. */
    static final long QUANTUM_NANOS = 10_000;

    private final SplittableRandom random;
    /** The ready set, in no meaningful order; guarded by lock. */
    private GreenStrand[] ready = new GreenStrand[16];
    private int readyCount;

    DeterministicDispatcher(String name, long seed, FailureSink failures) {
        super(name, failures);
        this.random = new SplittableRandom(seed);
    }

    @Override
    void submit(GreenStrand t) {
        enqueue(t);
    }

    @Override
    void ready(GreenStrand t) {
        enqueue(t);
    }

    @Override
    void yielded(GreenStrand t, Carrier carrier) {
        enqueue(t);
    }

    private void enqueue(GreenStrand t) {
        lock.lock();
        try {
            add(t);
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    private void add(GreenStrand t) {
        if (readyCount == ready.length) {
            ready = Arrays.copyOf(ready, readyCount * 2);
        }
        ready[readyCount++] = t;
    }

    @Override
    GreenStrand next(Carrier carrier) {
        lock.lock();
        try {
            for (;;) {
                if (stopped) {
                    return null;
                }
                if (readyCount > 0) {
                    clock += QUANTUM_NANOS;
                    fireDue();
                    int i = random.nextInt(readyCount);
                    GreenStrand t = ready[i];
                    ready[i] = ready[--readyCount];
                    ready[readyCount] = null;
                    return t;
                }
                if (!timers.isEmpty()) {
                    waitForNextDeadline();
                    fireDue();
                } else {
                    changed.awaitUninterruptibly();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Nothing is ready: wait in real time for the gap to the next deadline, then move the clock. */
    private void waitForNextDeadline() {
        long gap = timers.earliestDeadline() - clock;
        if (gap <= 0) {
            return;
        }
        long start = System.nanoTime();
        long left = gap;
        while (readyCount == 0 && !stopped && left > 0) {
            try {
                left = changed.awaitNanos(left);
            } catch (InterruptedException e) {
                left = gap - (System.nanoTime() - start);
            }
        }
        clock += readyCount == 0 ? gap : Math.min(System.nanoTime() - start, gap);
    }

    private void fireDue() {
        for (GreenStrand t; (t = timers.pollDue(clock)) != null; ) {
            if (t.expire()) {
                add(t);
            }
        }
    }
}
