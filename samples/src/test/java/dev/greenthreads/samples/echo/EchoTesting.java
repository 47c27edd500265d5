package dev.greenthreads.samples.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import dev.greenthreads.testing.Await;

/** What the echo tests share: servers with a captured log, polling with a deadline, counting fds and threads. */
final class EchoTesting {


    private EchoTesting() {}

    /** A started server whose log lines are kept in {@code log}. */
    static final class Running implements AutoCloseable {
        final EchoServer server;
        final List<String> log;

        Running(EchoServer server, List<String> log) {
            this.server = server;
            this.log = log;
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
        }

        Socket connect() throws IOException {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
            socket.setSoTimeout((int) Await.SETTLE.toMillis());
            return socket;
        }

        @Override
        public void close() {
            server.close();
        }
    }

    static ServerConfig config() {
        return ServerConfig.defaults();
    }

    static Running start(EchoMode mode, ServerConfig config) throws IOException {
        List<String> log = new CopyOnWriteArrayList<>();
        EchoServer server = mode.create(config.withLog(line -> {
            log.add(line);
            System.out.println("[server log] " + line);
        }));
        server.start(0);
        return new Running(server, log);
    }

    /** Writes {@code bytes}, reads the echo, and checks it. */
    static void echoOnce(Socket socket, byte[] bytes) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
        assertEquals(bytes.length, readFully(socket.getInputStream(), new byte[bytes.length], bytes), "echoed bytes");
    }

    /** Reads until {@code into} is full or the stream ends; checks against {@code expected}; returns bytes read. */
    static int readFully(InputStream in, byte[] into, byte[] expected) throws IOException {
        int total = 0;
        while (total < into.length) {
            int n = in.read(into, total, into.length - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        for (int i = 0; i < total; i++) {
            if (into[i] != expected[i]) {
                fail("echoed byte " + i + " differs from the one sent");
            }
        }
        return total;
    }

    static byte[] pattern(int connection, int length) {
        byte[] bytes = new byte[length];
        long seed = EchoPattern.seed(connection);
        for (int i = 0; i < length; i++) {
            bytes[i] = EchoPattern.at(seed, i);
        }
        return bytes;
    }
}
