package dev.greenthreads.benchmarks;

import dev.greenthreads.samples.VirtualThreads;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The suite in smoke mode: every benchmark runs once, briefly, and checks its own result (a
 * wrong count or sum throws); the heap harness parks a few threads in child JVMs; the report,
 * the JSON and the charts are written. No timing is judged.
 */
class SuiteSmokeTest {

    /** Far beyond a smoke run's minute on a loaded machine: reaching it means a hang. */
    private static final long DEADLINE_MINUTES = 5;

    @Test
    void everyBenchmarkRunsOnceAndTheReportIsWritten() throws Exception {
        Path out = Paths.get("target", "smoke-results");
        Suite.Outcome outcome = withinDeadline(() -> Suite.run(Suite.parse(new String[] {"--smoke", "--out", out.toString()}), System.out));

        assertEquals(Set.of(), outcome.failed, "benchmarks without a result");
        Set<String> ran = outcome.results.stream().map(r -> r.getParams().getBenchmark()).collect(Collectors.toSet());
        assertEquals(VirtualThreads.available(), ran.stream().anyMatch(name -> name.endsWith(".virtual")),
                "virtual variants run exactly when the JDK has virtual threads");
        assertTrue(ran.stream().anyMatch(name -> name.endsWith(".platform")));

        for (ParkedHeap.Measurement m : outcome.heap.all) {
            assertTrue(m.ok() || m.skipped, () -> ParkedHeap.label(m) + ": " + m.describe());
        }
        assertTrue(outcome.heap.green.bytesPerThread() > 0);

        String report = Files.readString(outcome.report, StandardCharsets.UTF_8);
        assertTrue(report.contains("## Targets (DESIGN.md)"));
        assertTrue(report.contains("Smoke run"));
        if (!VirtualThreads.available()) {
            assertTrue(report.contains(Suite.VIRTUAL_SKIPPED), "the report says why virtual threads were skipped");
        }
        assertTrue(Files.size(outcome.json) > 0);
        assertTrue(Files.exists(out.resolve(Suite.HEAP_JSON)));
        assertFalse(outcome.charts.isEmpty());
        for (String chart : outcome.charts) {
            assertTrue(Files.size(out.resolve(chart)) > 0, chart);
        }
    }

    /**
     * Runs {@code run} and, if it has not finished by the deadline, fails with every thread's
     * stack: a hang in one benchmark then says where it is instead of only that it happened.
     */
    private static <T> T withinDeadline(Callable<T> run) throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "smoke-suite");
            t.setDaemon(true);
            return t;
        });
        try {
            return runner.submit(run).get(DEADLINE_MINUTES, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            StringBuilder dump = new StringBuilder();
            for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
                dump.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState())
                        .append(info.getLockName() != null ? " on " + info.getLockName() : "").append('\n');
                for (StackTraceElement frame : info.getStackTrace()) {
                    dump.append("\tat ").append(frame).append('\n');
                }
            }
            return fail("the smoke suite did not finish in " + DEADLINE_MINUTES + " minutes; its threads:\n" + dump);
        } finally {
            runner.shutdownNow();
        }
    }
}
