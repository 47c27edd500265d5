package dev.greenthreads.samples;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/** The samples' one way to weigh the Java heap. */
public final class Heap {

    private Heap() {
    }

    /** Heap in use after full collections, so that garbage does not count: the least of a few readings. */
    public static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            memory.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}
