package dev.greenthreads.benchmarks;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableRunnable;
import dev.greenthreads.sync.Cond;
import dev.greenthreads.sync.Mutex;
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
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.management.ObjectName;

/**
 * Heap per parked thread, beside JMH (which measures time, not footprint): park N threads on a
 * condition variable with {@value #DEPTH} frames of their own on the stack, measure the Java heap
 * after garbage collections until it is stable, and divide the growth by N. The growth counts
 * everything a parked thread keeps alive: its handle, its frames, its wait-queue node and the
 * scheduler's record of it. Green threads wait on a {@link Cond} with a {@link Mutex}, virtual
 * and platform threads on a {@link ReentrantLock}'s {@link Condition}; each kind holds the same
 * bookkeeping (an array slot for the handle, allocated before the baseline). Every measurement
 * runs in a child JVM of its own, so that one variant's garbage and JIT state do not weigh on
 * the other's. Platform threads are measured with at most {@value #PLATFORM_THREADS} (the heap
 * only: their stacks are native memory). A last child checks that a million parked green threads
 * fit in a 1 GB heap ({@code -Xmx1g}; it fails if the child runs out of memory).
 *
 * <p>With {@code --histogram}, one child per kind instead prints the class histogram's growth
 * per parked thread ({@code GC.class_histogram} before and after parking, through the
 * diagnostic-command MBean), which says what the bytes are.
 *
 * <pre>
 *   java --add-opens=java.base/java.lang=ALL-UNNAMED -cp benchmarks/target/greenthreads-benchmarks.jar dev.greenthreads.benchmarks.ParkedHeap [--threads N] [--histogram]
 * </pre>
 * The {@link Suite} runs it after the JMH benchmarks and puts the figures in its report.
 */
public final class ParkedHeap {

    static final int DEPTH = 3;
    static final int MILLION = 1_000_000;
    static final String FITS_HEAP = "-Xmx1g";
    static final int PLATFORM_THREADS = 2_000;
    /** Classes that grew by less than this per thread are left out of a histogram's table. */
    private static final double HISTOGRAM_FLOOR = 0.5;

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
        /** With --histogram: per class, bytes and instances per thread that parking added, largest first. */
        final Map<String, double[]> histogram = new LinkedHashMap<>();
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
        Measurement green, virtual, platform, fits;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("--child")) {
            child(args[1], Integer.parseInt(args[2]), Boolean.parseBoolean(args[3]));
            return;
        }
        int threads = MILLION;
        boolean histogram = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--threads") && i + 1 < args.length) {
                threads = Integer.parseInt(args[++i].replace("_", ""));
            } else if (args[i].equals("--histogram")) {
                histogram = true;
            } else {
                System.err.println("usage: ParkedHeap [--threads N] [--histogram]   (default " + MILLION + " threads)");
                System.exit(2);
            }
        }
        if (histogram) {
            histograms(threads, System.out);
            return;
        }
        Results r = measure(threads, MILLION, System.out);
        System.out.println();
        for (Measurement m : r.all) {
            System.out.println(label(m) + ": " + m.describe());
        }
    }

    /** One child per kind of thread, each printing its class histogram's growth per parked thread as a Markdown table. */
    static void histograms(int threads, PrintStream log) throws InterruptedException {
        List<Measurement> kinds = new ArrayList<>();
        kinds.add(new Measurement("green", threads, null));
        if (VirtualThreads.available()) {
            kinds.add(new Measurement("virtual", threads, null));
        }
        kinds.add(new Measurement("platform", Math.min(threads, PLATFORM_THREADS), null));
        for (Measurement m : kinds) {
            run(m, true, "[histogram]", log);
        }
        for (Measurement m : kinds) {
            log.println();
            log.println("### " + label(m) + (m.ok() ? String.format(": %,.0f B per thread (heap)", m.bytesPerThread()) : ""));
            if (!m.ok()) {
                log.println(m.describe());
                continue;
            }
            log.println();
            log.println("| class | B/thread | instances/thread |");
            log.println("| --- | ---: | ---: |");
            double total = 0;
            for (Map.Entry<String, double[]> e : m.histogram.entrySet()) {
                total += e.getValue()[0];
                if (e.getValue()[0] >= HISTOGRAM_FLOOR) {
                    log.printf("| `%s` | %,.1f | %,.2f |%n", e.getKey(), e.getValue()[0], e.getValue()[1]);
                }
            }
            log.printf("| **total** | **%,.1f** | |%n", total);
        }
    }

    /**
     * Measures green and virtual threads ({@code threads} each) and checks that {@code fitThreads}
     * parked green threads fit in 1 GB; logs progress to {@code log}.
     */
    static Results measure(int threads, int fitThreads, PrintStream log) throws InterruptedException {
        Results r = new Results();
        r.green = run(new Measurement("green", threads, null), false, "[1/4]", log);
        r.all.add(r.green);
        if (VirtualThreads.available()) {
            r.virtual = run(new Measurement("virtual", threads, null), false, "[2/4]", log);
        } else {
            r.virtual = new Measurement("virtual", threads, null);
            r.virtual.skipped = true;
            r.virtual.failure = Suite.VIRTUAL_SKIPPED;
            log.println("parked heap [2/4] virtual: " + r.virtual.describe());
        }
        r.all.add(r.virtual);
        r.platform = run(new Measurement("platform", Math.min(threads, PLATFORM_THREADS), null), false, "[3/4]", log);
        r.all.add(r.platform);
        r.fits = run(new Measurement("green", fitThreads, FITS_HEAP), false, "[4/4]", log);
        r.all.add(r.fits);
        return r;
    }

    static String label(Measurement m) {
        return m.variant + (m.heapOption != null ? " " + m.heapOption : "") + ", " + String.format("%,d", m.threads)
                + " parked on a condition at depth " + DEPTH;
    }

    // ------------------------------------------------------------------------------------
    // Parent: one child JVM per measurement

    private static Measurement run(Measurement m, boolean histogram, String step, PrintStream log) throws InterruptedException {
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
        command.add(Boolean.toString(histogram));
        Deque<String> tail = new ArrayDeque<>();
        Map<String, String> result = null;
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("RESULT ")) {
                        result = parse(line);
                    } else if (line.startsWith("HISTO ")) {
                        String[] f = line.split(" ");
                        m.histogram.put(f[1], new double[] {Double.parseDouble(f[2]), Double.parseDouble(f[3])});
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

    /** N threads of one kind, parked on a condition at depth 3 until released. */
    private interface Crowd {
        void start(int i);

        int parked();

        boolean isParked(int i);

        void releaseAndJoin() throws InterruptedException;
    }

    private static void child(String variant, int n, boolean histogram) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Crowd crowd = variant.equals("green") ? new GreenCrowd(n)
                : variant.equals("virtual") ? new JdkCrowd(n, VirtualThreads::start) : new JdkCrowd(n, PlatformStart.INSTANCE);
        Map<String, long[]> histogramBefore = histogram ? histogram() : null;
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
        if (histogram) {
            printGrowth(histogramBefore, histogram(), n);
        }
        crowd.releaseAndJoin();
        System.out.println("RESULT variant=" + variant + " threads=" + n + " before=" + before + " after=" + after
                + " millis=" + millis);
    }

    /** Per class, {instances, bytes} of the live heap: {@code GC.class_histogram}, which collects first. */
    private static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, long[]> classes = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":") && !f[0].equals("Total")) {
                classes.merge(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])},
                        (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
            }
        }
        return classes;
    }

    /** Prints "HISTO class bytes-per-thread instances-per-thread" for each class that grew, largest first. */
    private static void printGrowth(Map<String, long[]> before, Map<String, long[]> after, int n) {
        TreeMap<Double, List<String>> bySize = new TreeMap<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            long bytes = e.getValue()[1] - b[1];
            if (bytes > 0) {
                bySize.computeIfAbsent(-(double) bytes, k -> new ArrayList<>()).add(String.format("HISTO %s %.2f %.3f",
                        e.getKey(), (double) bytes / n, (double) (e.getValue()[0] - b[0]) / n));
            }
        }
        bySize.values().forEach(lines -> lines.forEach(System.out::println));
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
        /** Its threads all wait for the main thread, which its hang monitor reports once: that report is expected, not printed. */
        private final Scheduler scheduler = Scheduler.builder().name("parked").carriers(GreenScheduler.CARRIERS)
                .uncaughtExceptionHandler((t, e) -> {
                    if (!(e instanceof IllegalStateException) || !e.getMessage().contains("hangs")) {
                        e.printStackTrace();
                    }
                }).build();

        private final GreenThread<?>[] threads;
        private final Mutex mutex = new Mutex();
        private final Cond cond = new Cond();
        private final AtomicInteger parked = new AtomicInteger();
        private boolean released;
        private final SuspendableRunnable body = () -> parkAt(DEPTH);

        GreenCrowd(int n) {
            threads = new GreenThread<?>[n];
        }

        @Suspendable
        private void parkAt(int depth) {
            if (depth > 1) {
                parkAt(depth - 1);
                return;
            }
            mutex.lock();
            try {
                parked.incrementAndGet();
                while (!released) {
                    cond.await(mutex);
                }
            } finally {
                mutex.unlock();
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
            mutex.lock();
            try {
                released = true;
                cond.broadcast();
            } finally {
                mutex.unlock();
            }
            for (GreenThread<?> t : threads) {
                t.join();
            }
            scheduler.close();
        }
    }

    private enum PlatformStart implements java.util.function.Function<Runnable, Thread> {
        INSTANCE;

        @Override
        public Thread apply(Runnable body) {
            Thread t = new Thread(null, body, "parked", 256 * 1024);
            t.setDaemon(true);
            t.start();
            return t;
        }
    }

    /** Virtual or platform threads, on a ReentrantLock's Condition. */
    private static final class JdkCrowd implements Crowd {
        private final Thread[] threads;
        private final java.util.function.Function<Runnable, Thread> starter;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition cond = lock.newCondition();
        private final AtomicInteger parked = new AtomicInteger();
        private boolean released;
        private final Runnable body = () -> parkAt(DEPTH);

        JdkCrowd(int n, java.util.function.Function<Runnable, Thread> starter) {
            threads = new Thread[n];
            this.starter = starter;
        }

        private void parkAt(int depth) {
            if (depth > 1) {
                parkAt(depth - 1);
                return;
            }
            lock.lock();
            try {
                parked.incrementAndGet();
                while (!released) {
                    cond.awaitUninterruptibly();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void start(int i) {
            threads[i] = starter.apply(body);
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
        public void releaseAndJoin() throws InterruptedException {
            lock.lock();
            try {
                released = true;
                cond.signalAll();
            } finally {
                lock.unlock();
            }
            for (Thread t : threads) {
                t.join();
            }
        }
    }
}
