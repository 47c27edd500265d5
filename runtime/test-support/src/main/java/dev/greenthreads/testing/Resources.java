package dev.greenthreads.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What a test weighs of this process: heap kept alive, open descriptors, live threads. */
public final class Resources {

    private Resources() {
    }

    /** Heap in use after full collections, settled: the least of a few readings. */
    public static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    /** Open file descriptors of this process (Linux: /proc/self/fd). */
    public static long openFileDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1; // the listing's own descriptor
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd", e);
        }
    }

    /** Live threads of this JVM. */
    public static int liveThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }
}
