package dev.greenthreads.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The suite in smoke mode: every benchmark runs once, briefly, and checks its own result (a
 * wrong count or sum throws); the heap harness parks a few threads in child JVMs; the report,
 * the JSON and the charts are written. No timing is judged.
 */
class SuiteSmokeTest {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang fails, not stalls CI
    void everyBenchmarkRunsOnceAndTheReportIsWritten() throws Exception {
        Path out = Paths.get("target", "smoke-results");
        Suite.Outcome outcome = Suite.run(Suite.parse(new String[] {"--smoke", "--out", out.toString()}), System.out);

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
            assertTrue(report.contains(VirtualThreads.UNAVAILABLE), "the report says why virtual threads were skipped");
        }
        assertTrue(Files.size(outcome.json) > 0);
        assertTrue(Files.exists(out.resolve(Suite.HEAP_JSON)));
        assertFalse(outcome.charts.isEmpty());
        for (String chart : outcome.charts) {
            assertTrue(Files.size(out.resolve(chart)) > 0, chart);
        }
    }
}
