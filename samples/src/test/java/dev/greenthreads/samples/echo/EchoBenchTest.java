package dev.greenthreads.samples.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny echo-bench: its CSV has a row per point, the stall is reported, and the chart is drawn. */
class EchoBenchTest {

    @Test
    void writesARowPerPointTheStallAndAChart(@TempDir Path out) throws Exception {
        int code = EchoBench.run(new String[] {"--modes", "iterative,select", "--connections", "1,3",
                "--warmup", "0", "--measure", "1s", "--iterative-clients", "3", "--out", out.toString(),
                "--large-size", "0", // the large-message point is the next test's
                "--churn-modes", "none", // connection churn is its own test's
                "--no-pin"}); // pinning would confine this test JVM, and the tests after it, to half the CPUs
        assertEquals(0, code);

        List<String> lines = Files.readAllLines(out.resolve("echo-bench.csv"), StandardCharsets.UTF_8);
        assertEquals(BenchRow.CSV_HEADER, lines.get(0));
        List<BenchRow> rows = lines.stream().skip(1).map(BenchRow::parse).collect(Collectors.toList());
        assertEquals(List.of("iterative 1", "iterative 3", "select 1", "select 3"),
                rows.stream().map(r -> r.mode() + " " + r.connections()).collect(Collectors.toList()));

        BenchRow stalled = rows.get(1);
        assertTrue(stalled.note().startsWith("stalled: 1 of 3 clients served"), stalled::note);
        for (BenchRow row : rows.subList(2, 4)) {
            assertEquals(0, row.errors());
            assertEquals(row.connections(), row.served());
            assertTrue(row.messagesPerSecond() > 0);
            assertTrue(row.cpuMicrosPerMessage() > 0, "the server JVM's CPU per message: " + row.cpuMicrosPerMessage());
        }

        assertTrue(Files.size(out.resolve("echo-bench.png")) > 10_000, "a chart was drawn");
    }

    @Test
    void aLargeMessagePointFollowsTheSweep(@TempDir Path out) throws Exception {
        int code = EchoBench.run(new String[] {"--modes", "select", "--connections", "2", "--large-size", "4096",
                "--large-connections", "3", "--churn-modes", "none", "--warmup", "0", "--measure", "500ms", "--no-chart", "--no-pin",
                "--out", out.toString()});
        assertEquals(0, code);
        List<BenchRow> rows = Files.readAllLines(out.resolve("echo-bench.csv"), StandardCharsets.UTF_8).stream()
                .skip(1).map(BenchRow::parse).collect(Collectors.toList());
        assertEquals(List.of("select 2 64", "select 3 4096"),
                rows.stream().map(r -> r.mode() + " " + r.connections() + " " + r.size()).collect(Collectors.toList()));
        BenchRow large = rows.get(1);
        assertEquals(3, large.served());
        assertEquals(0, large.errors());
    }

    @Test
    void connectionChurnMeasuresAProcessAThreadAndAGreenThreadPerConnection(@TempDir Path out) throws Exception {
        int code = EchoBench.run(new String[] {"--modes", "select", "--connections", "1", "--large-size", "0",
                "--warmup", "0", "--measure", "200ms", "--churn-modes", "inetd,threads,green", "--churn-clients", "1,3",
                "--churn-measure", "300ms", "--no-chart", "--no-pin", "--out", out.toString()});
        assertEquals(0, code);
        List<String> lines = Files.readAllLines(out.resolve("echo-bench-churn.csv"), StandardCharsets.UTF_8);
        assertEquals(ChurnRow.CSV_HEADER, lines.get(0));
        List<String[]> rows = lines.stream().skip(1).map(l -> l.split(",")).collect(Collectors.toList());
        assertEquals(List.of("inetd 1", "inetd 3", "threads 1", "threads 3", "green 1", "green 3"),
                rows.stream().map(r -> r[0] + " " + r[1]).collect(Collectors.toList()));
        for (String[] row : rows) {
            String what = String.join(",", row);
            assertTrue(Double.parseDouble(row[2]) > 0, "connections per second: " + what);
            assertTrue(Long.parseLong(row[6]) >= Long.parseLong(row[1]), "a connection per client at least: " + what);
            assertEquals("0", row[7], "errors: " + what);
        }
    }

    @Test
    void aModeThatCannotRunKeepsItsReasonThroughTheCsv() {
        BenchRow skipped = BenchRow.skipped("virtual", "virtual threads need JDK 21+; this is JDK 17, \"say\"");
        BenchRow back = BenchRow.parse(skipped.csv());
        assertEquals(skipped.note(), back.note());
        assertEquals(false, back.measured());
    }
}
