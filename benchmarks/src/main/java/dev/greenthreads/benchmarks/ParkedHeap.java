package dev.greenthreads.benchmarks;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableRunnable;
import dev.greenthreads.internal.scheduler.Strand;
import dev.greenthreads.samples.VirtualThreads;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Heap per parked thread, beside JMH (which measures time, not footprint): park N threads with
 * {@value #DEPTH} frames of their own on the stack, measure the Java heap after garbage
 * collections until it is stable, and divide the growth by N. Green threads park with
 * {@code Strand.park}, virtual threads with {@link LockSupport#park()}; both hold the same
 * bookkeeping (an array slot for the handle, allocated before the baseline). Every measurement
 * runs in a child JVM of its own, so that one variant's garbage and JIT state do not weigh on
 * the other's. A last child checks that a million parked green threads fit in a 1 GB heap
 * ({@code -Xmx1g}; it fails if the child runs out of memory).
 *
 * <pre>
 *   java --add-opens=java.base/java.lang=ALL-UNNAMED -cp benchmarks/target/greenthreads-benchmarks.jar dev.greenthreads.benchmarks.ParkedHeap [--threads N]
 * </pre>
 * The {@link Suite} runs it after the JMH benchmarks and puts the figures in its report.
 */
public final class ParkedHeap {

    static final int DEPTH = 3;
    static final int MILLION = 1_000_000;
    static final String FITS_HEAP = "-Xmx1g";

    private static final long CHILD_TIMEOUT_MINUTES = 10;

    private ParkedHeap() {
    }

    /** One child's outcome: heap before and after parking {@code threads} threads, or why there is none. */
    static final class Measurement {
        final String variant;
        final int threads;
        final String heapOption;
        long heapBefore;
        long heapAfter;
        long parkMillis;
        /** Null when it ran; else why not (skipped, or what went wrong). */
        String failure;
        boolean skipped;

        Measurement(String variant, int threads, String heapOption) {
            this.variant = variant;
            this.threads = threads;
            this.heapOption = heapOption;
        }

        boolean ok() {
            return failure == null;
        }

        double bytesPerThread() {
            return (double) (heapAfter - heapBefore) / threads;
        }

        String describe() {
            if (skipped) {
                return "skipped: " + failure;
            }
            if (!ok()) {
                return "FAILED: " + failure;
            }
            return String.format("%,.0f B per thread (%,d threads, heap %,d -> %,d B, parked in %,d ms)",
                    bytesPerThread(), threads, heapBefore, heapAfter, parkMillis);
        }
    }

    /** What the report needs: green and virtual figures, and the 1 GB check. */
    static final class Results {
        final List<Measurement> all = new ArrayList<>();
        Measurement green, virtual, fits;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("--child")) {
            child(args[1], Integer.parseInt(args[2]));
            return;
        }
        int threads = MILLION;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--threads") && i + 1 < args.length) {
                threads = Integer.parseInt(args[++i].replace("_", ""));
            } else {
                System.err.println("usage: ParkedHeap [--threads N]   (default " + MILLION + ")");
                System.exit(2);
            }
        }
        Results r = measure(threads, MILLION, System.out);
        System.out.println();
        for (Measurement m : r.all) {
            System.out.println(label(m) + ": " + m.describe());
        }
    }

    /**
     * Measures green and virtual threads ({@code threads} each) and checks that {@code fitThreads}
     * parked green threads fit in 1 GB; logs progress to {@code log}.
     */
    static Results measure(int threads, int fitThreads, PrintStream log) throws InterruptedException {
        Results r = new Results();
        r.green = run(new Measurement("green", threads, null), "[1/3]", log);
        r.all.add(r.green);
        if (VirtualThreads.available()) {
            r.virtual = run(new Measurement("virtual", threads, null), "[2/3]", log);
        } else {
            r.virtual = new Measurement("virtual", threads, null);
            r.virtual.skipped = true;
            r.virtual.failure = Suite.VIRTUAL_SKIPPED;
            log.println("parked heap [2/3] virtual: " + r.virtual.describe());
        }
        r.all.add(r.virtual);
        r.fits = run(new Measurement("green", fitThreads, FITS_HEAP), "[3/3]", log);
        r.all.add(r.fits);
        return r;
    }

    static String label(Measurement m) {
        return m.variant + (m.heapOption != null ? " " + m.heapOption : "") + ", " + String.format("%,d", m.threads)
                + " parked at depth " + DEPTH;
    }

    // ------------------------------------------------------------------------------------
    // Parent: one child JVM per measurement

    private static Measurement run(Measurement m, String step, PrintStream log) throws InterruptedException {
        log.println("parked heap " + step + " " + label(m) + " ...");
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        command.add("-XX:+UseG1GC");
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add(Suite.OPEN_JAVA_LANG);
        if (m.heapOption != null) {
            command.add(m.heapOption);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ParkedHeap.class.getName());
        command.add("--child");
        command.add(m.variant);
        command.add(Integer.toString(m.threads));
        Deque<String> tail = new ArrayDeque<>();
        Map<String, String> result = null;
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("RESULT ")) {
                        result = parse(line);
                    } else {
                        log.println("    " + line);
                        tail.addLast(line);
                        if (tail.size() > 5) {
                            tail.removeFirst();
                        }
                    }
                }
            }
            if (!p.waitFor(CHILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                m.failure = "the child JVM did not finish within " + CHILD_TIMEOUT_MINUTES + " minutes";
            } else if (p.exitValue() != 0 || result == null) {
                m.failure = "the child JVM exited with code " + p.exitValue()
                        + (m.heapOption != null ? " under " + m.heapOption : "") + ": " + String.join(" / ", tail);
            } else {
                m.heapBefore = Long.parseLong(result.get("before"));
                m.heapAfter = Long.parseLong(result.get("after"));
                m.parkMillis = Long.parseLong(result.get("millis"));
            }
        } catch (IOException e) {
            m.failure = "could not start a child JVM: " + e;
        }
        log.println("parked heap " + step + " " + label(m) + ": " + m.describe());
        return m;
    }

    private static Map<String, String> parse(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : line.substring("RESULT ".length()).split(" ")) {
            int eq = field.indexOf('=');
            fields.put(field.substring(0, eq), field.substring(eq + 1));
        }
        return fields;
    }

    // ------------------------------------------------------------------------------------
    // Child: park the threads and measure

    /** N threads of one kind, parked at depth 3 until released. */
    private interface Crowd {
        void start(int i);

        int parked();

        boolean isParked(int i);

        void releaseAndJoin();
    }

    private static void child(String variant, int n) throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Crowd crowd = variant.equals("green") ? new GreenCrowd(n) : new VirtualCrowd(n);
        long before = stableHeap(memory);
        long start = System.nanoTime();
        long report = start;
        for (int i = 0; i < n; i++) {
            crowd.start(i);
            if (System.nanoTime() - report > TimeUnit.SECONDS.toNanos(2)) {
                report = System.nanoTime();
                System.out.printf("started %,d of %,d%n", i + 1, n);
            }
        }
        while (crowd.parked() < n) {
            Thread.sleep(5);
        }
        for (int i = 0; i < n; i++) {
            while (!crowd.isParked(i)) {
                Thread.sleep(1);
            }
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long after = stableHeap(memory);
        crowd.releaseAndJoin();
        System.out.println("RESULT variant=" + variant + " threads=" + n + " before=" + before + " after=" + after
                + " millis=" + millis);
    }

    /** Used heap after full collections, repeated until two in a row agree within 0.5%. */
    private static long stableHeap(MemoryMXBean memory) throws InterruptedException {
        long previous = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(20);
            long used = memory.getHeapMemoryUsage().getUsed();
            if (Math.abs(used - previous) <= used / 200) {
                return Math.min(used, previous);
            }
            previous = used;
        }
        return previous;
    }

    private static final class GreenCrowd implements Crowd {
        private final GreenScheduler green = new GreenScheduler();
        private final Scheduler scheduler;

        private final GreenThread<?>[] threads;
        private final Strand[] strands;
        private final AtomicInteger parked = new AtomicInteger();
        private volatile boolean released;
        private final SuspendableRunnable body = () -> parkAt(DEPTH);

        GreenCrowd(int n) {
            green.start();
            scheduler = green.scheduler;
            threads = new GreenThread<?>[n];
            strands = new Strand[n];
        }

        @Suspendable
        private void parkAt(int depth) {
            if (depth > 1) {
                parkAt(depth - 1);
                return;
            }
            strands[parked.getAndIncrement()] = Strand.current();
            while (!released) {
                Strand.park();
            }
        }

        @Override
        public void start(int i) {
            threads[i] = scheduler.start(body);
        }

        @Override
        public int parked() {
            return parked.get();
        }

        @Override
        public boolean isParked(int i) {
            return threads[i].state() == GreenThread.State.BLOCKED;
        }

        @Override
        public void releaseAndJoin() {
            released = true;
            for (Strand s : strands) {
                s.unpark();
            }
            for (GreenThread<?> t : threads) {
                t.join();
            }
            green.close();
        }
    }

    private static final class VirtualCrowd implements Crowd {
        private final Thread[] threads;
        private final AtomicInteger parked = new AtomicInteger();
        private volatile boolean released;
        private final Runnable body = () -> parkAt(DEPTH);

        VirtualCrowd(int n) {
            threads = new Thread[n];
        }

        private void parkAt(int depth) {
            if (depth > 1) {
                parkAt(depth - 1);
                return;
            }
            parked.incrementAndGet();
            while (!released) {
                LockSupport.park();
            }
        }

        @Override
        public void start(int i) {
            threads[i] = VirtualThreads.start(body);
        }

        @Override
        public int parked() {
            return parked.get();
        }

        @Override
        public boolean isParked(int i) {
            return threads[i].getState() == Thread.State.WAITING;
        }

        @Override
        public void releaseAndJoin() {
            released = true;
            for (Thread t : threads) {
                LockSupport.unpark(t);
            }
            for (Thread t : threads) {
                VirtualThreads.join(t);
            }
        }
    }
}
