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
import dev.greenthreads.testing.Await;

/** What the io tests share: schedulers, loopback addresses, waiting for an event, counting descriptors and heap. */
final class IoTesting {


    private IoTesting() {
    }

    static Scheduler twoCarriers(String name) {
        return Scheduler.builder().carriers(2).name(name).build();
    }

    /**
     * Closes {@code scheduler}, which waits for all its green threads, from a helper thread;
     * fails (instead of hanging the suite) if one of them is still parked after {@link Await#SETTLE}.
     */
    static void closeOrFail(Scheduler scheduler) throws InterruptedException {
        Thread closer = new Thread(scheduler::close, "close " + scheduler.name());
        closer.setDaemon(true);
        closer.start();
        closer.join(Await.SETTLE.toMillis());
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

    /** Waits until {@code t} is parked: the moment to close its socket or cancel it. */
    static void awaitBlocked(GreenThread<?> t) {
        Await.until(() -> t + " never parked", () -> t.state() == GreenThread.State.BLOCKED);
    }
}
