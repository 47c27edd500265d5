package dev.greenthreads.samples;

import dev.greenthreads.GreenThread;
import dev.greenthreads.SuspendableRunnable;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The main job: start a million green threads, let each yield a few times, join them all;
 * then do the same with virtual threads (JDK 21+) and, fewer of them, platform threads.
 *
 * <p>How each variant is measured. Every thread yields {@code --yields} times, reports that
 * it has arrived, then waits at a gate. Once all have arrived, the Java heap is measured after
 * a GC: that is what N threads cost while they all exist at once. Then the gate opens and
 * every thread is joined. The reported time is start-all + yields + release + join-all, the
 * heap measurement excluded. Green threads wait at the gate by joining a gate green thread
 * (parking only themselves); virtual and platform threads wait on a {@link CountDownLatch}.
 * Platform threads' stacks are native memory, so their heap figure is only their
 * {@code Thread} objects.
 */
public final class Million {

    static final int DEFAULT_THREADS = 1_000_000;
    static final int DEFAULT_YIELDS = 3;
    static final int DEFAULT_PLATFORM = 10_000;

    private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);

    private Million() {}

    record Options(int threads, int yields, int platform) {}

    /** One row of the summary; {@code skipped} is null when the variant ran. */
    record Result(String variant, int threads, long nanos, long heapBytes, String skipped) {
        static Result skipped(String variant, String why) {
            return new Result(variant, 0, 0, 0, why);
        }

        double nanosPerThread() {
            return (double) nanos / threads;
        }

        double heapBytesPerThread() {
            return (double) heapBytes / threads;
        }
    }

    /** The threads of one variant, started one at a time, then released and joined. */
    private interface Crowd {
        void start(int index) throws Exception;

        void release();

        void joinAll() throws Exception;
    }

    static int run(String[] args) throws Exception {
        return CommandLine.run("million", USAGE, args, Million::parse, Million::run);
    }

    private static int run(Options options) throws Exception {
        printHeader(options);

        List<Result> results = new ArrayList<>();
        results.add(green(options, "[1/3]"));
        results.add(virtual(options, "[2/3]"));
        results.add(platform(options, "[3/3]"));

        printTable(results, options.yields());
        return 0;
    }

    // ---------------------------------------------------------------- variants

    private static Result green(Options options, String step) throws Exception {
        int n = options.threads();
        int yields = options.yields();
        CountDownLatch arrived = new CountDownLatch(n);
        AtomicBoolean open = new AtomicBoolean();
        GreenThread<?> gate = GreenThread.start(() -> {
            while (!open.get()) {
                GreenThread.sleep(1);
            }
        });
        SuspendableRunnable body = () -> {
            for (int i = 0; i < yields; i++) {
                GreenThread.yield();
            }
            arrived.countDown();
            gate.join();
        };
        GreenThread<?>[] threads = new GreenThread<?>[n];
        return measure(step, "green", n, yields, arrived, new Crowd() {
            @Override
            public void start(int index) {
                threads[index] = GreenThread.start(body);
            }

            @Override
            public void release() {
                open.set(true);
            }

            @Override
            public void joinAll() throws Exception {
                gate.join();
                for (GreenThread<?> thread : threads) {
                    thread.join();
                }
            }
        });
    }

    private static Result virtual(Options options, String step) throws Exception {
        if (!VirtualThreads.available()) {
            String why = VirtualThreads.unavailableReason() + ", skipped";
            System.out.printf("%s virtual: %s%n%n", step, why);
            return Result.skipped("virtual", why);
        }
        return javaThreads(step, "virtual", options.threads(), options.yields(), VirtualThreads.factory(null));
    }

    private static Result platform(Options options, String step) throws Exception {
        if (options.platform() == 0) {
            System.out.printf("%s platform: --platform 0, skipped%n%n", step);
            return Result.skipped("platform", "--platform 0, skipped");
        }
        ThreadFactory factory = body -> {
            Thread thread = new Thread(body);
            thread.setDaemon(true);
            return thread;
        };
        return javaThreads(step, "platform", options.platform(), options.yields(), factory);
    }

    /** Virtual or platform threads: {@link Thread#yield()}, then a latch as the gate. */
    private static Result javaThreads(String step, String variant, int n, int yields, ThreadFactory factory)
            throws Exception {
        CountDownLatch arrived = new CountDownLatch(n);
        CountDownLatch gate = new CountDownLatch(1);
        Runnable body = () -> {
            for (int i = 0; i < yields; i++) {
                Thread.yield();
            }
            arrived.countDown();
            awaitUninterruptibly(gate);
        };
        Thread[] threads = new Thread[n];
        return measure(step, variant, n, yields, arrived, new Crowd() {
            @Override
            public void start(int index) {
                threads[index] = factory.newThread(body);
                threads[index].start();
            }

            @Override
            public void release() {
                gate.countDown();
            }

            @Override
            public void joinAll() throws InterruptedException {
                for (Thread thread : threads) {
                    thread.join();
                }
            }
        });
    }

    // ---------------------------------------------------------------- measurement

    private static Result measure(String step, String variant, int n, int yields, CountDownLatch arrived,
                                  Crowd crowd) throws Exception {
        System.out.printf("%s %s: starting %,d threads; each yields %d times, then waits at a gate%n",
                step, variant, n, yields);
        long baseline = Heap.usedAfterGc();

        long started = System.nanoTime();
        long lastProgress = started;
        for (int i = 0; i < n; i++) {
            crowd.start(i);
            if ((i & 0xFFFF) == 0xFFFF && System.nanoTime() - lastProgress > PROGRESS_EVERY_NANOS) {
                lastProgress = System.nanoTime();
                System.out.printf("      ... %,d of %,d started%n", i + 1, n);
            }
        }
        System.out.printf("      started %,d in %s%n", n, duration(System.nanoTime() - started));

        while (!arrived.await(2, TimeUnit.SECONDS)) {
            System.out.printf("      ... %,d of %,d at the gate%n", n - arrived.getCount(), n);
        }
        long allArrived = System.nanoTime();
        System.out.printf("      all %,d yielded %d times and wait at the gate (%s since the first start)%n",
                n, yields, duration(allArrived - started));

        long heap = Heap.usedAfterGc() - baseline;
        System.out.printf("      heap with all %,d waiting: %s (%s per thread)%n",
                n, mebibytes(heap), bytes((double) heap / n));

        long released = System.nanoTime();
        crowd.release();
        crowd.joinAll();
        long joined = System.nanoTime();
        System.out.printf("      released and joined all in %s%n%n", duration(joined - released));

        return new Result(variant, n, (allArrived - started) + (joined - released), heap, null);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- output

    private static void printHeader(Options options) {
        String carriers = System.getProperty("greenthreads.carriers");
        System.out.printf("greenthreads million: %,d green threads, %,d virtual, %,d platform; each yields %d times%n",
                options.threads(), options.threads(), options.platform(), options.yields());
        System.out.printf("JDK %s (%s), %d processors, carriers: %s, max heap %s%n%n",
                Runtime.version(), System.getProperty("java.vm.vendor"),
                Runtime.getRuntime().availableProcessors(),
                carriers == null ? "one per processor" : carriers + " (greenthreads.carriers)",
                mebibytes(Runtime.getRuntime().maxMemory()));
    }

    private static void printTable(List<Result> results, int yields) {
        Result green = results.get(0);
        String format = "%-9s %11s %10s %10s %12s %12s %16s %16s%n";
        System.out.println("summary");
        System.out.printf(format, "variant", "threads", "time", "ns/thread", "heap", "heap/thread",
                "vs green (ns)", "vs green (heap)");
        for (Result r : results) {
            if (r.skipped() != null) {
                System.out.printf("%-9s %s%n", r.variant(), r.skipped());
                continue;
            }
            System.out.printf(format, r.variant(), String.format("%,d", r.threads()), duration(r.nanos()),
                    String.format("%,.0f", r.nanosPerThread()), mebibytes(r.heapBytes()),
                    bytes(r.heapBytesPerThread()),
                    ratio(r.nanosPerThread(), green.nanosPerThread()),
                    ratio(r.heapBytesPerThread(), green.heapBytesPerThread()));
        }
        System.out.printf("time: start all, %d yields each, release, join all. heap: Java heap growth after GC"
                + " while all threads wait%n(platform thread stacks are native memory, not counted)."
                + " vs green: per-thread cost divided by green's.%n", yields);
    }

    private static String ratio(double value, double green) {
        if (green <= 0 || value < 0) {
            return "n/a";
        }
        return String.format("%.2fx", value / green);
    }

    private static String duration(long nanos) {
        if (nanos < TimeUnit.SECONDS.toNanos(1)) {
            return String.format("%.1f ms", nanos / 1e6);
        }
        return String.format("%.2f s", nanos / 1e9);
    }

    private static String mebibytes(long bytes) {
        return String.format("%,.1f MiB", bytes / (1024.0 * 1024.0));
    }

    private static String bytes(double bytes) {
        return String.format("%,.0f B", bytes);
    }

    // ---------------------------------------------------------------- options

    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: million [--threads N] [--yields K] [--platform N]",
            "  --threads N    green threads, and virtual threads (default " + String.format("%,d", DEFAULT_THREADS) + ")",
            "  --yields K     yields per thread before it waits at the gate (default " + DEFAULT_YIELDS + ")",
            "  --platform N   platform threads, fewer as each has a kernel thread (default "
                    + String.format("%,d", DEFAULT_PLATFORM) + "; 0 skips them)");

    static Options parse(String[] args) throws CommandLine.UsageException {
        CommandLine cl = CommandLine.parse(args, Set.of("--threads", "--yields", "--platform"), Set.of());
        return new Options(cl.integer("--threads", DEFAULT_THREADS, 1), cl.integer("--yields", DEFAULT_YIELDS, 0),
                cl.integer("--platform", DEFAULT_PLATFORM, 0));
    }
}
