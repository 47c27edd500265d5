package dev.greenthreads.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Collection;
import java.util.StringJoiner;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.format.OutputFormat;

/**
 * JMH's console output, condensed to a few lines per benchmark: which one, how far the run is
 * (JMH's own percentage and ETA), each iteration's score as it comes, and the result. JMH's
 * "#" header lines are dropped; everything else it prints (a failure's stack trace, a forked
 * JVM's output) goes through unchanged.
 */
final class ProgressFormat implements OutputFormat {

    private final PrintStream out;
    private String progress = "0% done";
    private int started;
    private boolean midLine;

    ProgressFormat(PrintStream out) {
        this.out = out;
    }

    @Override
    public void startRun() {
    }

    @Override
    public void startBenchmark(BenchmarkParams params) {
        endLine();
        started++;
        String name = params.getBenchmark();
        String shortName = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
        StringJoiner ps = new StringJoiner(", ", " (", ")").setEmptyValue("");
        for (String k : params.getParamsKeys()) {
            ps.add(k + "=" + params.getParam(k));
        }
        out.printf("[%d, %s] %s%s%n", started, progress, shortName, ps);
    }

    @Override
    public void iteration(BenchmarkParams benchmarkParams, IterationParams params, int iteration) {
    }

    @Override
    public void iterationResult(BenchmarkParams benchmarkParams, IterationParams params, int iteration, IterationResult data) {
        if (!midLine) {
            out.print("   ");
            midLine = true;
        }
        Result<?> r = data.getPrimaryResult();
        out.print((params.getType() == IterationType.WARMUP ? " w" : " ") + String.format("%.4g", r.getScore()));
        out.flush();
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
        endLine();
        if (result != null) {
            Result<?> r = result.getPrimaryResult();
            out.printf("    = %.4g ± %.2g %s%n", r.getScore(), r.getScoreError(), r.getScoreUnit());
        }
    }

    @Override
    public void endRun(Collection<RunResult> result) {
        endLine();
    }

    @Override
    public void print(String s) {
        if (!s.startsWith("#")) {
            out.print(s);
        }
    }

    @Override
    public void println(String s) {
        if (s.startsWith("# Run progress: ")) {
            // "# Run progress: 12.50% complete, ETA 00:09:48"
            progress = s.substring("# Run progress: ".length()).replace(" complete,", " done,");
            return;
        }
        if (s.startsWith("#") || s.isBlank()) {
            return;
        }
        endLine();
        out.println(s);
    }

    @Override
    public void verbosePrintln(String s) {
    }

    @Override
    public void write(int b) {
        out.write(b);
    }

    @Override
    public void write(byte[] b) throws IOException {
        out.write(b);
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
        out.flush();
    }

    private void endLine() {
        if (midLine) {
            out.println();
            midLine = false;
        }
    }
}
