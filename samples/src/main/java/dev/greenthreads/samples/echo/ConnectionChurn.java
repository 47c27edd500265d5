package dev.greenthreads.samples.echo;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * New connections as fast as a server takes them: {@code clients} client threads, each in a
 * loop of connect, send one message, wait for its echo, close. What it measures is what a
 * server pays per connection (a process, a thread, a green thread), not per message: connections
 * per second, and the latency of a connection's first echo, from the start of the connect to the
 * last byte of the echo.
 *
 * <p>Each client finishes the connection it is in when the time is up, so a run lasts at least
 * one connection per client: with a slow server (inetd starts a JVM per connection) that is
 * what bounds it, and the figures are still over whole connections.
 */
final class ConnectionChurn {

    /**
     * @param completed connections that echoed their message and closed
     * @param latency   connect to first echo, in microseconds
     * @param errors    connections that failed, by kind
     */
    record Result(int clients, long completed, long nanos, Histogram latency, Map<String, Long> errors) {

        double connectionsPerSecond() {
            return nanos == 0 ? Double.NaN : completed * 1e9 / nanos;
        }

        double latencyMillis(double percentile) {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
        }

        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static final int TIMEOUT_MILLIS = 60_000;

    private ConnectionChurn() {}

    /** One connection, unmeasured, so that the first measured one does not pay for this JVM's warm-up. */
    static void warmUp(InetSocketAddress target, int size) throws IOException {
        once(target, message(0, size), new byte[size]);
    }

    static Result run(InetSocketAddress target, int clients, int size, Duration duration) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        List<Histogram> latencies = new ArrayList<>();
        List<Map<String, Long>> errors = new ArrayList<>();
        long[] completed = new long[clients];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Histogram latency = new Histogram(3);
            Map<String, Long> failed = new TreeMap<>();
            latencies.add(latency);
            errors.add(failed);
            Thread thread = new Thread(() -> {
                byte[] message = message(client, size);
                byte[] echo = new byte[size];
                do {
                    long began = System.nanoTime();
                    try {
                        once(target, message, echo);
                        latency.recordValue(Math.max(1, (System.nanoTime() - began) / 1000));
                        completed[client]++;
                    } catch (IOException | RuntimeException e) {
                        failed.merge(kind(e), 1L, Long::sum);
                    }
                } while (System.nanoTime() < deadline);
            }, "echo-churn-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        long nanos = System.nanoTime() - start;
        Histogram all = new Histogram(3);
        latencies.forEach(all::add);
        Map<String, Long> allErrors = new TreeMap<>();
        errors.forEach(e -> e.forEach((kind, n) -> allErrors.merge(kind, n, Long::sum)));
        return new Result(clients, Arrays.stream(completed).sum(), nanos, all, allErrors);
    }

    private static byte[] message(int client, int size) {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        EchoPattern.fill(buffer, EchoPattern.seed(client), 0, size);
        return buffer.array();
    }

    /** Connect, send the message, read its echo and check it, close. */
    private static void once(InetSocketAddress target, byte[] message, byte[] echo) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            socket.connect(target, TIMEOUT_MILLIS);
            var out = socket.getOutputStream();
            out.write(message);
            var in = socket.getInputStream();
            int read = 0;
            while (read < echo.length) {
                int n = in.read(echo, read, echo.length - read);
                if (n < 0) {
                    throw new IOException("closed by the server after " + read + " of " + echo.length + " bytes");
                }
                read += n;
            }
            if (!Arrays.equals(message, echo)) {
                throw new IOException("echo differs from what was sent");
            }
        }
    }

    private static String kind(Exception e) {
        if (e instanceof SocketTimeoutException) {
            return "no echo within " + TIMEOUT_MILLIS / 1000 + " s";
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message.startsWith("closed by the server")
                ? "closed by the server" : message;
    }
}
