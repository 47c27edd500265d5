package dev.greenthreads.samples.echo;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a server has done since it started: a snapshot, safe to keep.
 *
 * @param accepted     connections admitted
 * @param refused      connections closed at once because {@code --max-connections} were open
 * @param open         connections open now
 * @param closed       connections that ended, for whatever reason
 * @param idleClosed   of those, closed by the server after {@code --idle-timeout}
 * @param bytesRead    bytes received from clients
 * @param bytesWritten bytes echoed back
 * @param errors       connections that ended in an error, by kind ("reset by peer", ...)
 */
public record ServerStats(long accepted, long refused, long open, long closed, long idleClosed,
                          long bytesRead, long bytesWritten, Map<String, Long> errors) {

    public ServerStats {
        errors = Map.copyOf(errors);
    }

    public static final ServerStats NONE = new ServerStats(0, 0, 0, 0, 0, 0, 0, Map.of());

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The sum of two servers' counters (prefork adds up its workers). */
    public ServerStats plus(ServerStats other) {
        Map<String, Long> sum = new TreeMap<>(errors);
        other.errors.forEach((kind, count) -> sum.merge(kind, count, Long::sum));
        return new ServerStats(accepted + other.accepted, refused + other.refused, open + other.open,
                closed + other.closed, idleClosed + other.idleClosed, bytesRead + other.bytesRead,
                bytesWritten + other.bytesWritten, sum);
    }

    /** One line for people. */
    public String summary() {
        StringBuilder line = new StringBuilder(String.format(
                "%,d connections accepted, %,d refused (max-connections), %,d open, %,d closed (%,d idle);"
                        + " %,d bytes received, %,d echoed; ",
                accepted, refused, open, closed, idleClosed, bytesRead, bytesWritten));
        if (errors.isEmpty()) {
            line.append("no connection ended in an error");
        } else {
            line.append(String.format("%,d ended in an error (", errorCount()));
            line.append(describe(errors));
            line.append(')');
        }
        return line.toString();
    }

    /** {@code "reset by peer 2, closed by server 1"}, most frequent first. */
    static String describe(Map<String, Long> counts) {
        StringBuilder text = new StringBuilder();
        counts.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> text.append(text.length() == 0 ? "" : ", ")
                        .append(e.getKey()).append(' ').append(String.format("%,d", e.getValue())));
        return text.toString();
    }

    /** One line for a machine: {@code key=value} pairs; error kinds have their spaces as {@code _}. */
    String encode() {
        StringBuilder line = new StringBuilder();
        line.append("accepted=").append(accepted).append(" refused=").append(refused).append(" open=").append(open)
                .append(" closed=").append(closed).append(" idle=").append(idleClosed).append(" read=")
                .append(bytesRead).append(" written=").append(bytesWritten);
        errors.forEach((kind, count) -> line.append(" error.").append(kind.replace(' ', '_')).append('=').append(count));
        return line.toString();
    }

    /** The inverse of {@link #encode()}; unknown keys are ignored. */
    static ServerStats decode(String line) {
        Map<String, Long> values = new TreeMap<>();
        Map<String, Long> errors = new TreeMap<>();
        for (String pair : line.trim().split("\\s+")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            long value;
            try {
                value = Long.parseLong(pair.substring(eq + 1));
            } catch (NumberFormatException e) {
                continue;
            }
            String key = pair.substring(0, eq);
            if (key.startsWith("error.")) {
                errors.put(key.substring("error.".length()).replace('_', ' '), value);
            } else {
                values.put(key, value);
            }
        }
        return new ServerStats(values.getOrDefault("accepted", 0L), values.getOrDefault("refused", 0L),
                values.getOrDefault("open", 0L), values.getOrDefault("closed", 0L), values.getOrDefault("idle", 0L),
                values.getOrDefault("read", 0L), values.getOrDefault("written", 0L), errors);
    }

    /** The live counters a server updates; {@link #snapshot()} makes a {@link ServerStats}. */
    static final class Counters {
        final LongAdder accepted = new LongAdder();
        final LongAdder refused = new LongAdder();
        final AtomicInteger open = new AtomicInteger();
        final LongAdder closed = new LongAdder();
        final LongAdder idleClosed = new LongAdder();
        final LongAdder bytesRead = new LongAdder();
        final LongAdder bytesWritten = new LongAdder();
        private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

        void error(String kind) {
            errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
        }

        ServerStats snapshot() {
            Map<String, Long> errorCounts = new TreeMap<>();
            errors.forEach((kind, count) -> errorCounts.put(kind, count.sum()));
            return new ServerStats(accepted.sum(), refused.sum(), open.get(), closed.sum(), idleClosed.sum(),
                    bytesRead.sum(), bytesWritten.sum(), errorCounts);
        }
    }
}
