package dev.greenthreads.io;

import static org.junit.jupiter.api.Assertions.fail;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** What the io tests share: schedulers, loopback addresses, waiting for an event, counting descriptors and heap. */
final class IoTesting {

    /** Generous: the tests must pass on a loaded two-core machine. */
    static final Duration SETTLE = Duration.ofSeconds(20);

    private IoTesting() {
    }

    static Scheduler twoCarriers(String name) {
        return Scheduler.builder().carriers(2).name(name).build();
    }

    /**
     * Closes {@code scheduler}, which waits for all its green threads, from a helper thread;
     * fails (instead of hanging the suite) if one of them is still parked after {@link #SETTLE}.
     */
    static void closeOrFail(Scheduler scheduler) throws InterruptedException {
        Thread closer = new Thread(scheduler::close, "close " + scheduler.name());
        closer.setDaemon(true);
        closer.start();
        closer.join(SETTLE.toMillis());
        if (closer.isAlive()) {
            fail("a green thread of " + scheduler + " was left behind: the scheduler does not close");
        }
    }

    /** Port 0 of the loopback address: a free port, chosen at bind. */
    static InetSocketAddress anyLoopbackPort() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** {@code byte i = f(seed, i)}: a pattern whose every byte says where it belongs. */
    static byte[] pattern(int seed, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed * 17 + (i >>> 8));
        }
        return bytes;
    }

    /**
     * Polls {@code event} from the calling platform thread until it holds (yields, then short
     * parks); fails after {@link #SETTLE}, saying what was awaited.
     */
    static void awaitEvent(Supplier<String> what, BooleanSupplier event) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        for (int spins = 0; !event.getAsBoolean(); spins++) {
            if (System.nanoTime() - deadline > 0) {
                fail(what.get() + ", still not so after " + SETTLE.toSeconds() + " s");
            }
            if (spins < 100) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(1_000_000);
            }
        }
    }

    /** Waits until {@code t} is parked: the moment to close its socket or cancel it. */
    static void awaitBlocked(GreenThread<?> t) {
        awaitEvent(() -> t + " never parked", () -> t.state() == GreenThread.State.BLOCKED);
    }

    /** Open file descriptors of this process (Linux: /proc/self/fd). */
    static long openFileDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1; // the listing's own descriptor
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
    }

    /** Heap in use after full collections, settled: the smallest of a few readings. */
    static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
