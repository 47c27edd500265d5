package dev.greenthreads.samples;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.SuspendableRunnable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code spawn-rates}: the lecture's "threads are cheaper than processes" table, on this
 * machine: how many processes, platform threads, virtual threads and green threads can be
 * started and waited for per second, one after another, and how many times cheaper each is
 * than a process.
 *
 * <p>Each kind runs for {@code --seconds}: start one, wait for it to end, again. A process is
 * {@code /bin/true} started with {@link ProcessBuilder} (fork and exec, as a forking server
 * pays per connection); a thread runs an empty body. Green threads are measured twice, as users
 * meet them: started and joined from a platform thread (which blocks in {@code join}) and from
 * inside a green thread (which parks only itself).
 */
public final class SpawnRates {

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: spawn-rates [--seconds S]",
            "  --seconds S   how long each kind runs (default 1)",
            "  processes (/bin/true), platform, virtual (JDK 21+) and green threads started and waited for,",
            "  one at a time; prints each rate and how many times cheaper than a process it is");

    /** What the lecture measured: threads about 125 times cheaper to create than processes. */
    static final double LECTURE_RATIO = 125;

    private static final String TRUE = "/bin/true";
    private static final SuspendableRunnable NOTHING = () -> {
    };

    /** One kind's rate; {@code skipped} says why it did not run, else null. */
    record Rate(String kind, long spawned, double seconds, String skipped) {
        double perSecond() {
            return spawned / seconds;
        }

        double microsEach() {
            return seconds * 1e6 / spawned;
        }
    }

    private interface Spawn {
        void once() throws Exception;
    }

    private SpawnRates() {
    }

    static int run(String[] args) throws Exception {
        return CommandLine.run("spawn-rates", USAGE, args, SpawnRates::parse, SpawnRates::run);
    }

    static Duration parse(String[] args) throws CommandLine.UsageException {
        CommandLine cl = CommandLine.parse(args, Set.of("--seconds"), Set.of());
        return Duration.ofMillis(Math.round(1000 * cl.decimal("--seconds", 1, 0.01)));
    }

    private static int run(Duration budget) throws Exception {
        System.out.printf("spawn-rates: each kind for %.1f s, started and waited for one at a time (JDK %d, %d CPUs)%n",
                budget.toMillis() / 1000.0, Runtime.version().feature(), Runtime.getRuntime().availableProcessors());
        List<Rate> rates = new ArrayList<>();
        rates.add(measure("[1/5]", "process (/bin/true)", budget,
                Files.isExecutable(Path.of(TRUE)) ? null : TRUE + " is not here", SpawnRates::process));
        rates.add(measure("[2/5]", "platform thread", budget, null, SpawnRates::platformThread));
        rates.add(measure("[3/5]", "virtual thread", budget, VirtualThreads.unavailableReason(),
                () -> VirtualThreads.join(VirtualThreads.start(() -> { }))));
        String noAgent = Main.agentLoaded() ? null : "the agent is not loaded (-javaagent:greenthreads-agent.jar)";
        rates.add(measure("[4/5]", "green thread, from a platform thread", budget, noAgent,
                () -> GreenThread.start(NOTHING).join()));
        rates.add(greenFromGreen("[5/5]", budget, noAgent));
        print(rates);
        return rates.stream().allMatch(r -> r.skipped() != null || r.spawned() > 0) ? 0 : 1;
    }

    private static Rate measure(String step, String kind, Duration budget, String skipped, Spawn spawn)
            throws Exception {
        if (skipped != null) {
            System.out.printf("%s %s: skipped, %s%n", step, kind, skipped);
            return new Rate(kind, 0, 0, skipped);
        }
        System.out.printf("%s %s ...%n", step, kind);
        long deadline = System.nanoTime() + budget.toNanos();
        long start = System.nanoTime();
        long n = 0;
        do {
            spawn.once();
            n++;
        } while (System.nanoTime() < deadline);
        return done(kind, n, System.nanoTime() - start);
    }

    /** Green threads started and joined by a green thread: the loop itself runs on a carrier. */
    private static Rate greenFromGreen(String step, Duration budget, String skipped) {
        String kind = "green thread, from a green thread";
        if (skipped != null) {
            System.out.printf("%s %s: skipped, %s%n", step, kind, skipped);
            return new Rate(kind, 0, 0, skipped);
        }
        System.out.printf("%s %s ...%n", step, kind);
        long[] counted = new long[2];
        Scheduler.defaultScheduler().run(() -> {
            long deadline = System.nanoTime() + budget.toNanos();
            long start = System.nanoTime();
            long n = 0;
            do {
                GreenThread.start(NOTHING).join();
                n++;
            } while (System.nanoTime() < deadline);
            counted[0] = n;
            counted[1] = System.nanoTime() - start;
        });
        return done(kind, counted[0], counted[1]);
    }

    private static Rate done(String kind, long n, long nanos) {
        Rate rate = new Rate(kind, n, nanos / 1e9, null);
        System.out.printf("      = %,.0f per second, %s each%n", rate.perSecond(), micros(rate.microsEach()));
        return rate;
    }

    private static void process() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(TRUE).start();
        if (p.waitFor() != 0) {
            throw new IOException(TRUE + " exited with " + p.exitValue());
        }
    }

    private static void platformThread() throws InterruptedException {
        Thread t = new Thread(() -> { });
        t.start();
        t.join();
    }

    static void print(List<Rate> rates) {
        Rate process = rates.get(0);
        System.out.printf("%nsummary: started and waited for, one at a time%n");
        System.out.printf("%-38s %14s %12s %22s%n", "kind", "per second", "each", "cheaper than a process");
        for (Rate r : rates) {
            if (r.skipped() != null) {
                System.out.printf("%-38s %s%n", r.kind(), "skipped: " + r.skipped());
                continue;
            }
            String ratio = r == process || process.skipped() != null ? "-"
                    : String.format("%,.0fx", process.microsEach() / r.microsEach());
            System.out.printf("%-38s %,14.0f %12s %22s%n", r.kind(), r.perSecond(), micros(r.microsEach()), ratio);
        }
        Rate platform = rates.get(1);
        if (process.skipped() == null) {
            System.out.printf("%nthe lecture: threads are about %.0fx cheaper than processes; here a platform thread is %,.0fx",
                    LECTURE_RATIO, process.microsEach() / platform.microsEach());
            rates.stream().skip(2).filter(r -> r.skipped() == null).forEach(r -> System.out.printf(
                    ", a %s %,.0fx", r.kind(), process.microsEach() / r.microsEach()));
            System.out.printf(" cheaper%n");
        }
    }

    private static String micros(double value) {
        return value >= 100 ? String.format("%,.0f µs", value) : String.format("%.2f µs", value);
    }
}
