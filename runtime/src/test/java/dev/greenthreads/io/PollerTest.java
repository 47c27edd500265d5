package dev.greenthreads.io;

import static dev.greenthreads.io.IoTesting.anyLoopbackPort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.JMException;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.greenthreads.testing.Await;

/** The poller's hand-over between idle carriers and its kernel thread. */
@Timeout(60)
class PollerTest {

    private static final int READERS = 8;

    /**
     * Carriers poll when idle or between dispatches. If a green thread that never yields holds
     * the only carrier, the poller thread must take the selector back, or every other socket of
     * the JVM (here: one used by platform threads) would wait for that carrier.
     */
    @Test
    void aSelectorLeftByBusyCarriersIsTakenOverSoOtherSocketsAreServed() throws Exception {
        Poller poller = Poller.shared();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean release = new AtomicBoolean();
        List<Socket> peers = new ArrayList<>();
        try (Scheduler one = Scheduler.builder().carriers(1).name("io-poller-stall").build();
             GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            Thread feeder = null;
            try {
                startReaders(one, server, peers);
                feeder = startFeeder(peers, stop);
                long polled = poller.carrierPolls();
                Await.until(() -> "no carrier ever polled", () -> poller.carrierPolls() > polled);

                GreenThread<Void> hog = one.start(() -> {
                    while (!release.get()) {
                        Thread.onSpinWait(); // never yields: holds the only carrier
                    }
                });
                Await.until(() -> "the hog never ran", () -> hog.state() == GreenThread.State.RUNNING);

                try (GreenServerSocket other = GreenServerSocket.bind(anyLoopbackPort());
                     GreenSocket client = GreenSocket.connect(other.localAddress());
                     GreenSocket accepted = other.accept()) {
                    client.setReadTimeout(Duration.ofSeconds(10));
                    accepted.write(new byte[] {9});
                    byte[] b = new byte[1];
                    assertEquals(1, client.read(b, 0, 1), "a platform thread's read, served while the carrier is held");
                    assertEquals(9, b[0]);
                }
            } finally {
                release.set(true);
                stop.set(true);
                for (Socket peer : peers) {
                    peer.close();
                }
            }
            feeder.join();
        }
    }

    /**
     * The other way round: once the poller thread holds the selector, a carrier that never runs
     * out of work (here a green thread yielding in a loop beside the readers) never idles, so
     * never asks for it as an idle carrier does; its polls between dispatches must take it back,
     * or the thread keeps it, every wake-up crosses kernel threads and every report nobody waits
     * for yet is unwatched and re-watched.
     */
    @Test
    void aBusyCarrierTakesTheSelectorBackFromThePollerThread() throws Exception {
        Poller poller = Poller.shared();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean releaseHog = new AtomicBoolean();
        AtomicBoolean releaseYielder = new AtomicBoolean();
        List<Socket> peers = new ArrayList<>();
        try (Scheduler one = Scheduler.builder().carriers(1).name("io-poller-busy").build();
             GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            Thread feeder = null;
            try {
                startReaders(one, server, peers);
                feeder = startFeeder(peers, stop);
                GreenThread<Void> hog = one.start(() -> {
                    while (!releaseHog.get()) {
                        Thread.onSpinWait(); // never yields: the carrier stops polling
                    }
                });
                Await.until(() -> "the hog never ran", () -> hog.state() == GreenThread.State.RUNNING);
                Await.until(() -> "the poller thread never took the selector from the held carrier", poller::heldByThread);
                one.start(() -> {
                    while (!releaseYielder.get()) {
                        GreenThread.yield(); // the carrier always has work: it never idles
                    }
                });
                long polled = poller.carrierPolls();
                releaseHog.set(true);
                Await.until(() -> "the busy carrier never polled again: the poller thread kept the selector",
                        () -> poller.carrierPolls() > polled);
            } finally {
                releaseHog.set(true);
                releaseYielder.set(true);
                stop.set(true);
                for (Socket peer : peers) {
                    peer.close();
                }
            }
            feeder.join();
        }
    }

    /**
     * A busy carrier polls once per turn of the threads queued on it, not by the clock: polling
     * more often would report again every ready channel whose green thread is still queued
     * (the poll is level-triggered), for nothing, as what it wakes waits behind the queue
     * anyway. Here a thousand threads yield in turn, each after about 50 µs of work, so a turn
     * takes 50 ms or more: a poll every few milliseconds would make ten or more a turn.
     */
    @Test
    void aBusyCarrierPollsOncePerTurnOfItsQueue() throws Exception {
        Poller.shared(); // installs the carriers' poller
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger started = new AtomicInteger();
        try (Scheduler one = Scheduler.builder().carriers(1).name("io-poller-turns").build()) {
            try {
                startYielders(one, YIELDERS, 50_000, stop, started);
                Await.until(() -> "the yielders never all ran", () -> started.get() == YIELDERS);
                long dispatches = counter(one, "Dispatches"), polls = counter(one, "Polls");
                Await.until(() -> "the carrier never made " + WINDOW + " dispatches",
                        () -> counter(one, "Dispatches") - dispatches >= WINDOW);
                long made = counter(one, "Dispatches") - dispatches, polled = counter(one, "Polls") - polls;
                assertTrue(polled <= made / (YIELDERS / 2) + 2, polled + " polls in " + made
                        + " dispatches of " + YIELDERS + " threads in turn: more than once or twice a turn");
            } finally {
                stop.set(true);
            }
        }
    }

    /**
     * While the busy carrier defers its polls (the other test), the poller thread stays out; but
     * a platform thread waiting on a socket waits behind no queue: the thread must take the
     * selector and serve it within its stall watch, not after the carrier's turn (here 100,000
     * threads, most of them running 100 µs before they yield: seconds).
     */
    @Test
    void aPlatformThreadIsServedWhileABusyCarrierDefersItsPolls() throws Exception {
        Poller poller = Poller.shared();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger started = new AtomicInteger();
        int threads = 100 * YIELDERS;
        try (Scheduler one = Scheduler.builder().carriers(1).name("io-poller-platform").build();
             GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort());
             Socket peer = new Socket()) {
            try {
                startYielders(one, threads, 100_000, stop, started);
                peer.connect(server.localAddress());
                try (GreenSocket platformSide = server.accept()) {
                    platformSide.setReadTimeout(Duration.ofSeconds(10));
                    Await.until(() -> "the threads never ran", () -> started.get() >= 50);
                    int[] read = {-2};
                    Thread reader = new Thread(() -> {
                        byte[] b = new byte[1];
                        try {
                            read[0] = platformSide.read(b, 0, 1) == 1 ? b[0] : -1;
                        } catch (Exception e) {
                            read[0] = -3;
                        }
                    }, "platform-reader");
                    reader.start();
                    Await.until(() -> "the platform thread never waited", () -> poller.platformWaiters() > 0);
                    peer.getOutputStream().write(7);
                    reader.join(Duration.ofSeconds(2).toMillis());
                    assertEquals(7, read[0], "the platform thread's read, within 2 s while the carrier runs a 10 s turn");
                }
            } finally {
                stop.set(true);
            }
        }
    }

    private static final int YIELDERS = 1_000;
    private static final long WINDOW = 5_000;

    /**
     * Starts {@code count} threads on {@code one} that each work about {@code nanos}, then yield,
     * until {@code stop}; each counts itself in {@code started} when it first runs.
     */
    private static void startYielders(Scheduler one, int count, long nanos, AtomicBoolean stop, AtomicInteger started) {
        for (int i = 0; i < count; i++) {
            one.start(() -> {
                started.incrementAndGet();
                while (!stop.get()) {
                    work(nanos, stop);
                    GreenThread.yield();
                }
            });
        }
    }

    /** Spins for about {@code nanos}, or until {@code stop}. */
    private static void work(long nanos, AtomicBoolean stop) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0 && !stop.get()) {
            Thread.onSpinWait();
        }
    }

    /** A counter of {@code scheduler}'s MXBean, as a monitoring tool reads it. */
    private static long counter(Scheduler scheduler, String name) {
        try {
            ObjectName scoreboard = new ObjectName("dev.greenthreads:type=Scheduler,name=\"" + scheduler.name() + "\"");
            return (Long) ManagementFactory.getPlatformMBeanServer().getAttribute(scoreboard, name);
        } catch (JMException e) {
            throw new AssertionError("no counter " + name + " on the scheduler's MXBean", e);
        }
    }

    /** {@value #READERS} green readers on {@code one}, each reading and discarding what its peer sends. */
    private static void startReaders(Scheduler one, GreenServerSocket server, List<Socket> peers) throws Exception {
        for (int i = 0; i < READERS; i++) {
            Socket peer = new Socket();
            peer.connect(server.localAddress());
            peers.add(peer);
            GreenSocket s = server.accept();
            one.start(() -> {
                byte[] b = new byte[64];
                try (GreenSocket in = s) {
                    while (in.read(b, 0, b.length) >= 0) {
                        // discard
                    }
                }
            });
        }
    }

    /** A platform thread writing to every peer until {@code stop}: the readers always have data coming. */
    private static Thread startFeeder(List<Socket> peers, AtomicBoolean stop) {
        Thread feeder = new Thread(() -> {
            try {
                while (!stop.get()) {
                    for (Socket peer : peers) {
                        OutputStream out = peer.getOutputStream();
                        out.write(1);
                    }
                }
            } catch (Exception e) {
                // closed at the end
            }
        });
        feeder.start();
        return feeder;
    }
}
