package dev.greenthreads.samples.echo;

import java.util.Locale;

/**
 * One line of {@code echo-bench}'s connection-churn table, and of {@code echo-bench-churn.csv}
 * (see {@link ConnectionChurn}). A mode that did not run has NaN figures and the reason in
 * {@code note}.
 *
 * @param clients             clients connecting at once
 * @param connectionsPerSecond connections that echoed and closed, per second
 * @param p50                 latency of a connection's first echo, from the start of its connect, ms
 * @param cpuMicrosPerConnection the server's CPU time (its processes') per connection
 */
record ChurnRow(String mode, int clients, double connectionsPerSecond, double p50, double p99,
                double cpuMicrosPerConnection, long completed, long errors, String note) {

    static final String CSV_HEADER = "mode,clients,connections_per_second,first_echo_p50_ms,first_echo_p99_ms,"
            + "server_cpu_us_per_connection,connections,errors,note";

    static ChurnRow skipped(String mode, int clients, String reason) {
        return new ChurnRow(mode, clients, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, reason);
    }

    boolean measured() {
        return !Double.isNaN(connectionsPerSecond);
    }

    String csv() {
        return String.join(",", mode, Integer.toString(clients), number(connectionsPerSecond), number(p50), number(p99),
                number(cpuMicrosPerConnection), Long.toString(completed), Long.toString(errors),
                "\"" + note.replace("\"", "\"\"") + "\"");
    }

    private static String number(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.4f", value);
    }
}
