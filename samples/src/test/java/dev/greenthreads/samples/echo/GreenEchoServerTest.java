package dev.greenthreads.samples.echo;

import static dev.greenthreads.testing.Await.SETTLE;
import static dev.greenthreads.testing.Resources.openFileDescriptors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.Scheduler;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import static dev.greenthreads.testing.Resources.heapAfterGc;
import dev.greenthreads.testing.Await;

/**
 * The green echo server holds 9,000 idle connections on its carriers plus at most two other
 * kernel threads (the I/O poller and the idle reaper), and each costs little heap.
 */
class GreenEchoServerTest {

    /**
     * Both ends live in this JVM: 18,000 of the 20,000 descriptors a process may open here.
     * Clients are non-blocking NIO channels that nobody reads: they need no thread.
     */
    private static final int IDLE_CONNECTIONS = 9_000;

    @Test
    void holdsNineThousandIdleConnectionsOnItsCarriersAndTwoOtherThreads() throws Exception {
        EchoServersTest.assumeAvailable(EchoMode.GREEN);
        // The default scheduler's carriers, the poller and its selector stay for the JVM's life: start them first.
        try (EchoTesting.Running warm = EchoTesting.start(EchoMode.GREEN, EchoTesting.config());
             java.net.Socket socket = warm.connect()) {
            EchoTesting.echoOnce(socket, EchoTesting.pattern(5, 8));
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] before = threads.getAllThreadIds();
        long heapBefore = heapAfterGc();
        long fdsBefore = openFileDescriptors();
        List<SocketChannel> clients = new ArrayList<>(IDLE_CONNECTIONS);
        try (EchoTesting.Running running = EchoTesting.start(EchoMode.GREEN,
                EchoTesting.config().withMaxConnections(IDLE_CONNECTIONS + 100))) {
            try {
                ByteBuffer one = ByteBuffer.allocate(1);
                for (int i = 0; i < IDLE_CONNECTIONS; i++) {
                    SocketChannel client = SocketChannel.open(running.address());
                    clients.add(client);
                    one.clear().put(0, (byte) i);
                    client.write(one); // one echo each: every connection's handler has run and parked again
                    one.clear();
                    while (one.hasRemaining() && client.read(one) >= 0) {
                        // blocking read of the echoed byte
                    }
                    client.configureBlocking(false);
                }
                Await.until(SETTLE, () -> "open: " + running.server.stats().summary(),
                        () -> running.server.stats().open() == IDLE_CONNECTIONS);

                int carriers = Scheduler.defaultScheduler().carriers();
                Set<String> serverThreads = newThreads(threads, before);
                serverThreads.removeIf(name -> name.startsWith("greenthreads-carrier-"));
                if (Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds()))
                        .anyMatch(t -> t != null && t.getThreadName().equals("greenthreads-io-poller"))) {
                    serverThreads.add("greenthreads-io-poller"); // it predates the count, but serves these too
                }
                long heapPerConnection = (heapAfterGc() - heapBefore) / IDLE_CONNECTIONS;
                System.out.printf("green echo server: %,d idle connections on %d carriers and %s; %,d B of heap"
                                + " per connection (both ends' channels included); %,d descriptors%n",
                        IDLE_CONNECTIONS, carriers, serverThreads, heapPerConnection,
                        openFileDescriptors() - fdsBefore);
                assertTrue(serverThreads.size() <= 2,
                        () -> "more than the carriers and two other kernel threads: " + serverThreads);
                assertTrue(heapPerConnection < 4_096, "an idle connection costs " + heapPerConnection
                        + " B of heap; it holds no buffer and should cost well under 4 KiB");
            } finally {
                for (SocketChannel client : clients) {
                    client.close();
                }
            }
            Await.until(SETTLE, () -> "after the clients left: " + running.server.stats().summary(),
                    () -> running.server.stats().open() == 0);
            ServerStats stats = running.server.stats();
            assertEquals(IDLE_CONNECTIONS, stats.accepted());
            assertEquals(0, stats.errorCount(), stats::summary);
        }
        Await.until(SETTLE, () -> (openFileDescriptors() - fdsBefore) + " descriptors left over",
                () -> openFileDescriptors() <= fdsBefore);
    }

    /** The names of the live threads that were not alive at {@code before}. */
    private static Set<String> newThreads(ThreadMXBean threads, long[] before) {
        Set<Long> old = Arrays.stream(before).boxed().collect(Collectors.toSet());
        long[] fresh = Arrays.stream(threads.getAllThreadIds()).filter(id -> !old.contains(id)).toArray();
        Set<String> names = new TreeSet<>();
        for (ThreadInfo info : threads.getThreadInfo(fresh)) {
            if (info != null) {
                names.add(info.getThreadName());
            }
        }
        return names;
    }
}
