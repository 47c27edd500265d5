package dev.greenthreads.io;

import static dev.greenthreads.io.IoTesting.anyLoopbackPort;
import static dev.greenthreads.testing.Resources.heapAfterGc;
import static dev.greenthreads.testing.Resources.openFileDescriptors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.greenthreads.testing.Await;

/**
 * What green sockets cost and give back: descriptors and green threads after many short
 * connections, and kernel threads and heap with thousands of idle ones.
 */
@Timeout(120)
class GreenSocketResourcesTest {

    private static final int CYCLES = 10_000;
    /**
     * Idle connections held at once. Both ends live in this JVM, so 9,000 connections take
     * 18,000 of the 20,000 descriptors a process may open here.
     */
    private static final int IDLE_CONNECTIONS = 9_000;

    /** A green echo server: an acceptor and a green thread per connection, counted while they live. */
    private static final class EchoServer implements AutoCloseable {
        final GreenServerSocket listener;
        final AtomicInteger handlers = new AtomicInteger();
        final AtomicInteger accepted = new AtomicInteger();
        final GreenThread<Void> acceptor;

        EchoServer(Scheduler scheduler, int backlog, int bufferSize) throws IOException {
            listener = GreenServerSocket.bind(anyLoopbackPort(), backlog);
            acceptor = scheduler.start(() -> acceptLoop(bufferSize));
        }

        @Suspendable
        private void acceptLoop(int bufferSize) throws IOException {
            for (;;) {
                GreenSocket s;
                try {
                    s = listener.accept();
                } catch (SocketException closed) {
                    return;
                }
                accepted.incrementAndGet();
                handlers.incrementAndGet();
                GreenThread.start(() -> {
                    try (GreenSocket c = s) {
                        byte[] buffer = new byte[bufferSize];
                        int n;
                        while ((n = c.read(buffer, 0, buffer.length)) >= 0) {
                            c.write(buffer, 0, n);
                        }
                    } finally {
                        handlers.decrementAndGet();
                    }
                });
            }
        }

        InetSocketAddress address() {
            return (InetSocketAddress) listener.localAddress();
        }

        @Override
        public void close() throws Exception {
            listener.close();
            acceptor.join();
        }
    }

    @Test
    void tenThousandConnectDisconnectCyclesLeaveNoDescriptorAndNoGreenThreadBehind() throws Exception {
        Scheduler scheduler = IoTesting.twoCarriers("io-churn");
        try (EchoServer server = new EchoServer(scheduler, 0, 64)) {
            scheduler.run(() -> cycles(server.address(), 50)); // whatever the JDK opens once
            Await.until(() -> "warm-up handlers still running", () -> server.handlers.get() == 0);
            long fds = openFileDescriptors();

            scheduler.run(() -> cycles(server.address(), CYCLES));

            assertEquals(CYCLES + 50, server.accepted.get());
            Await.until(() -> server.handlers.get() + " connection handlers still running after the clients left",
                    () -> server.handlers.get() == 0);
            Await.until(() -> (openFileDescriptors() - fds) + " file descriptors left over after " + CYCLES
                    + " cycles", () -> openFileDescriptors() <= fds);
        }
        IoTesting.closeOrFail(scheduler); // waits for every green thread: none may be left parked on a socket
    }

    /** {@code n} times: connect, send a byte, read its echo, close. */
    @Suspendable
    private static void cycles(InetSocketAddress server, int n) throws IOException {
        byte[] b = new byte[1];
        for (int i = 0; i < n; i++) {
            try (GreenSocket s = GreenSocket.connect(server)) {
                b[0] = (byte) i;
                s.write(b, 0, 1);
                assertEquals(1, s.read(b, 0, 1));
                assertEquals((byte) i, b[0]);
            }
        }
    }

    /**
     * 9,000 idle connections on a green echo server: its carriers and at most two other kernel
     * threads serve them all, and the heap each costs is measured (printed) against the same
     * connections held by a bare selector, the least any server can spend on them.
     */
    @Test
    void nineThousandIdleConnectionsNeedNoMoreThanTheCarriersAndTwoThreads() throws Exception {
        GreenServerSocket.bind(anyLoopbackPort()).close(); // the poller runs from here on, if it did not already
        long bareBytes = bareSelectorHeapPerConnection();

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Set<Long> before = threadIds(threads);
        long heapBefore = heapAfterGc();
        long fdsBefore = openFileDescriptors();
        Scheduler scheduler = IoTesting.twoCarriers("io-idle");
        List<SocketChannel> clients = new ArrayList<>(IDLE_CONNECTIONS);
        long greenBytes;
        try (EchoServer server = new EchoServer(scheduler, IDLE_CONNECTIONS, 16)) {
            try {
                ByteBuffer one = ByteBuffer.allocate(1);
                for (int i = 0; i < IDLE_CONNECTIONS; i++) {
                    SocketChannel c = SocketChannel.open(server.address());
                    clients.add(c);
                    one.clear();
                    one.put(0, (byte) i);
                    c.write(one); // one echo each: every handler has run and is parked in read again
                    one.clear();
                    while (one.hasRemaining() && c.read(one) >= 0) {
                        // blocking read of the one byte
                    }
                    c.configureBlocking(false);
                }
                Await.until(() -> server.handlers.get() + " of " + IDLE_CONNECTIONS + " handlers",
                        () -> server.handlers.get() == IDLE_CONNECTIONS);

                Set<String> newThreads = threadNames(threads, without(threadIds(threads), before));
                long carriers = newThreads.stream().filter(n -> n.startsWith("io-idle-carrier-")).count();
                assertEquals(2, carriers, () -> "new threads: " + newThreads);
                assertTrue(newThreads.size() - carriers <= 2,
                        () -> "more than the carriers and two other kernel threads: " + newThreads);
                assertEquals(1, threadNames(threads, threadIds(threads)).stream()
                        .filter(Poller.THREAD_NAME::equals).count(), "one poller thread");

                greenBytes = (heapAfterGc() - heapBefore) / IDLE_CONNECTIONS;
                System.out.printf("green echo server, %,d idle connections: %,d B of heap per connection, both ends"
                                + " (a bare selector: %,d B; green costs %,d B more, of which 16 B are the"
                                + " handler's buffer); %d fds; new threads %s%n", IDLE_CONNECTIONS, greenBytes,
                        bareBytes, greenBytes - bareBytes, openFileDescriptors() - fdsBefore, newThreads);
            } finally {
                for (SocketChannel c : clients) {
                    c.close();
                }
            }
            Await.until(() -> server.handlers.get() + " handlers still running after every client closed",
                    () -> server.handlers.get() == 0);
        }
        IoTesting.closeOrFail(scheduler);
        Await.until(() -> (openFileDescriptors() - fdsBefore) + " descriptors left", () -> openFileDescriptors() <= fdsBefore);
        assertTrue(greenBytes - bareBytes < 2_048,
                "a parked green connection should cost well under 2 KiB more than a selector's key; it costs "
                        + (greenBytes - bareBytes) + " B");
    }

    /** Heap per connection (both ends) when a bare selector holds them: the floor. */
    private static long bareSelectorHeapPerConnection() throws IOException {
        long heapBefore = heapAfterGc();
        List<SocketChannel> channels = new ArrayList<>(2 * IDLE_CONNECTIONS);
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(anyLoopbackPort(), IDLE_CONNECTIONS);
             Selector selector = Selector.open()) {
            for (int i = 0; i < IDLE_CONNECTIONS; i++) {
                SocketChannel client = SocketChannel.open(listener.getLocalAddress());
                SocketChannel accepted = listener.accept();
                accepted.configureBlocking(false);
                accepted.register(selector, SelectionKey.OP_READ);
                client.configureBlocking(false);
                channels.add(client);
                channels.add(accepted);
            }
            selector.selectNow();
            return (heapAfterGc() - heapBefore) / IDLE_CONNECTIONS;
        } finally {
            for (SocketChannel c : channels) {
                c.close();
            }
        }
    }

    private static Set<Long> threadIds(ThreadMXBean threads) {
        Set<Long> ids = new HashSet<>();
        for (long id : threads.getAllThreadIds()) {
            ids.add(id);
        }
        return ids;
    }

    private static Set<Long> without(Set<Long> all, Set<Long> some) {
        Set<Long> rest = new HashSet<>(all);
        rest.removeAll(some);
        return rest;
    }

    private static Set<String> threadNames(ThreadMXBean threads, Set<Long> ids) {
        Set<String> names = new TreeSet<>();
        long[] array = ids.stream().mapToLong(Long::longValue).toArray();
        for (ThreadInfo info : threads.getThreadInfo(array)) {
            if (info != null) {
                names.add(info.getThreadName());
            }
        }
        return names;
    }
}
