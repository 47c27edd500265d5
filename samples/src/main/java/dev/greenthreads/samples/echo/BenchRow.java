package dev.greenthreads.samples.echo;

import java.util.ArrayList;
import java.util.List;

/**
 * One line of {@code echo-bench}'s table, and of {@code echo-bench.csv}. A mode that did not run
 * has a row with {@code connections} 0, NaN figures and the reason in {@code note}.
 *
 * @param size             bytes per message
 * @param jdk              the server JVM's feature version
 * @param cpuMicrosPerMessage the server processes' CPU time from the start of the warm-up to the end of
 *                         the measurement, over the messages echoed in that time
 */
record BenchRow(String mode, int connections, int size, int jdk, double messagesPerSecond, double p50, double p99,
                double p999, long serverThreads, double heapMiB, double cpuMicrosPerMessage, int served, long errors,
                String note) {

    static BenchRow skipped(String mode, String reason) {
        return new BenchRow(mode, 0, 0, Runtime.version().feature(), Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                -1, Double.NaN, Double.NaN, 0, 0, reason);
    }

    boolean measured() {
        return !Double.isNaN(messagesPerSecond);
    }

    static final String CSV_HEADER = "mode,connections,message_bytes,jdk,messages_per_second,p50_ms,p99_ms,p999_ms,"
            + "server_threads,heap_mib,server_cpu_us_per_message,clients_served,errors,note";

    String csv() {
        return String.join(",", mode, Integer.toString(connections), Integer.toString(size), Integer.toString(jdk),
                number(messagesPerSecond), number(p50), number(p99), number(p999), Long.toString(serverThreads),
                number(heapMiB),
                number(cpuMicrosPerMessage), Integer.toString(served), Long.toString(errors), quote(note));
    }

    static BenchRow parse(String line) {
        List<String> f = splitCsv(line);
        return new BenchRow(f.get(0), Integer.parseInt(f.get(1)), Integer.parseInt(f.get(2)), Integer.parseInt(f.get(3)),
                parseNumber(f.get(4)), parseNumber(f.get(5)), parseNumber(f.get(6)), parseNumber(f.get(7)),
                Long.parseLong(f.get(8)), parseNumber(f.get(9)), parseNumber(f.get(10)), Integer.parseInt(f.get(11)),
                Long.parseLong(f.get(12)), f.get(13));
    }

    private static String number(double value) {
        return Double.isNaN(value) ? "" : String.format(java.util.Locale.ROOT, "%.4f", value);
    }

    private static double parseNumber(String text) {
        return text.isEmpty() ? Double.NaN : Double.parseDouble(text);
    }

    private static String quote(String text) {
        return "\"" + text.replace("\"", "\"\"") + "\"";
    }

    private static List<String> splitCsv(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}

