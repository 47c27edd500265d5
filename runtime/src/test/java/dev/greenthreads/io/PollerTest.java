package dev.greenthreads.io;

import static dev.greenthreads.io.IoTesting.anyLoopbackPort;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
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
