package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.sync.Barrier;
import dev.greenthreads.sync.Semaphore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ThreadLocal and InheritableThreadLocal values belong to the green thread that set them, on
 * whatever carrier it runs; a green thread starts with its creator's inheritable values.
 */
@Timeout(60)
class ThreadLocalsTest {

    private static final ThreadLocal<String> NAME = new ThreadLocal<>();

    @Test
    void twoGreenThreadsOnOneCarrierEachReadBackTheirOwnValue() {
        try (Scheduler one = Scheduler.builder().carriers(1).name("locals-own").build()) {
            Barrier together = new Barrier(2);
            List<GreenThread<String>> threads = new ArrayList<>();
            for (String name : List.of("a", "b")) {
                threads.add(one.start(() -> {
                    together.await();
                    StringBuilder seen = new StringBuilder();
                    for (int i = 0; i < 5; i++) {
                        NAME.set(name + i);
                        Thread.yield();
                        seen.append(NAME.get());
                    }
                    return seen.toString();
                }));
            }
            assertEquals("a0a1a2a3a4", threads.get(0).join());
            assertEquals("b0b1b2b3b4", threads.get(1).join());
        }
    }

    /** An MDC as logging libraries keep one: a map per thread, filled and read around suspensions. */
    private static final ThreadLocal<Map<String, String>> MDC = ThreadLocal.withInitial(HashMap::new);

    @Test
    void aLoggingContextStaysWithItsThreadUnderAThousandSchedules() {
        for (long seed = 1; seed <= 1_000; seed++) {
            int count = 2 + (int) (seed % 7);
            Random random = new Random(seed);
            try (Scheduler s = Scheduler.deterministic(seed)) {
                s.run(() -> {
                    List<GreenThread<Void>> threads = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        String request = "request-" + i;
                        int steps = 1 + random.nextInt(4);
                        threads.add(GreenThread.start(() -> {
                            MDC.get().put("request", request);
                            for (int step = 0; step < steps; step++) {
                                MDC.get().put("step", Integer.toString(step));
                                GreenThread.yield();
                                assertEquals(Map.of("request", request, "step", Integer.toString(step)), MDC.get());
                            }
                            MDC.remove();
                            GreenThread.yield();
                            assertEquals(Map.of(), MDC.get(), "removed, then the initial value again");
                        }));
                    }
                    for (GreenThread<Void> t : threads) {
                        t.join();
                    }
                });
            }
        }
    }

    @Test
    void removeForgetsOnlyTheCallersValue() {
        ThreadLocal<String> local = ThreadLocal.withInitial(() -> "initial");
        try (Scheduler one = Scheduler.builder().carriers(1).name("locals-remove").build()) {
            Barrier together = new Barrier(2);
            GreenThread<String> remover = one.start(() -> {
                local.set("remover's");
                together.await();
                local.remove();
                together.await();
                return local.get();
            });
            GreenThread<String> keeper = one.start(() -> {
                local.set("keeper's");
                together.await();
                together.await();
                return local.get();
            });
            assertEquals("initial", remover.join());
            assertEquals("keeper's", keeper.join());
        }
    }

    private static final class Lineage extends InheritableThreadLocal<String> {
        @Override
        protected String childValue(String parent) {
            return parent + ">child";
        }
    }

    @Test
    void aGreenThreadStartsWithACopyOfItsCreatorsInheritableValues() {
        Lineage lineage = new Lineage();
        lineage.set("main");
        try {
            GreenThread<List<String>> child = GreenThread.start(() -> {
                String inherited = lineage.get();
                lineage.set("changed by the child");
                String grandchild = GreenThread.start(lineage::get).join();
                return List.of(inherited, grandchild);
            });
            assertEquals(List.of("main>child", "changed by the child>child"), child.join());
            assertEquals("main", lineage.get(), "the child changed its copy, not the creator's value");
        } finally {
            lineage.remove();
        }
    }

    @Test
    void aBlockingCallSeesItsPoolThreadsValuesNotTheGreenThreads() {
        Lineage lineage = new Lineage();
        List<String> seen = GreenThread.start(() -> {
            lineage.set("green");
            String first = GreenThread.runBlocking(lineage::get);
            lineage.set("green again");
            return java.util.Arrays.asList(first, GreenThread.runBlocking(lineage::get), lineage.get());
        }).join();
        assertEquals(java.util.Arrays.asList(null, null, "green again"), seen,
                "a pool thread started by a green thread inherits nothing from it");
    }

    @Test
    void aGreenThreadCreatedWhereNothingIsInheritableStartsWithNone() {
        Lineage lineage = new Lineage();
        assertNull(GreenThread.start(lineage::get).join());
    }

    /**
     * The uncaught-exception handler runs on the carrier outside any green thread: there the
     * carrier's own values are seen, and set.
     */
    @Test
    void theCarriersValuesAndTheGreenThreadsNeverMeet() {
        BlockingQueue<String> carrierSaw = new LinkedBlockingQueue<>();
        AtomicReference<Thread> handlerThread = new AtomicReference<>();
        Scheduler.UncaughtExceptionHandler handler = (thread, e) -> {
            handlerThread.set(Thread.currentThread());
            carrierSaw.add(String.valueOf(NAME.get()));
            NAME.set("carrier's");
        };
        try (Scheduler one = Scheduler.builder().carriers(1).name("locals-carrier").uncaughtExceptionHandler(handler).build()) {
            Thread carrier = one.start(Thread::currentThread).join();
            GreenThread.builder().scheduler(one).detached(true).start(() -> {
                throw new IllegalStateException("to run the handler on the carrier");
            });
            assertEquals("null", take(carrierSaw), "the carrier had no value yet");
            assertSame(carrier, handlerThread.get(), "the handler ran on the carrier");

            GreenThread<String> green = one.start(() -> {
                String before = NAME.get();
                NAME.set("green's");
                return before + ", on " + Thread.currentThread().getName();
            });
            assertEquals("null, on " + carrier.getName(), green.join(), "the carrier's value is not the green thread's");

            GreenThread.builder().scheduler(one).detached(true).start(() -> {
                throw new IllegalStateException("to run the handler on the carrier again");
            });
            assertEquals("carrier's", take(carrierSaw), "the green thread's value did not stay on the carrier");
        }
    }

    private static String take(BlockingQueue<String> queue) {
        try {
            String s = queue.poll(20, TimeUnit.SECONDS);
            if (s == null) {
                throw new AssertionError("the uncaught-exception handler did not run");
            }
            return s;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The green thread's carrier blocks in a JDK call (not rewritten) under a helper green
     * thread; the scheduler then runs the ready thread on another carrier thread.
     */
    @Test
    void valuesFollowAGreenThreadToAnotherCarrier() {
        try (Scheduler one = Scheduler.builder().carriers(1).name("locals-migrate").build()) {
            Semaphore resume = new Semaphore(0);
            CountDownLatch carrierBlocked = new CountDownLatch(1), releaseCarrier = new CountDownLatch(1);
            AtomicReference<String> helperSaw = new AtomicReference<>("not run");
            GreenThread<String> mover = one.start(() -> {
                NAME.set("mover's");
                Thread first = Thread.currentThread();
                GreenThread.start(() -> {
                    helperSaw.set(String.valueOf(NAME.get()));
                    carrierBlocked.countDown();
                    releaseCarrier.await(); // blocks the carrier: the JDK's code is not rewritten
                });
                resume.acquire();
                Thread second = Thread.currentThread();
                assertNotSame(first, second, "resumed on another carrier");
                String value = NAME.get();
                releaseCarrier.countDown();
                return value;
            });
            try {
                assertEquals(true, carrierBlocked.await(20, TimeUnit.SECONDS), "the helper ran");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            resume.release();
            assertEquals("mover's", mover.join());
            assertEquals("null", helperSaw.get(), "a new green thread does not see its creator's plain ThreadLocal");
        }
    }

    /** Started without the agent by {@link #withoutTheAgentAGreenThreadIsRefusedWithTheRemedy}. */
    static final class StartWithoutTheAgent {
        public static void main(String[] args) {
            try {
                GreenThread.start(() -> "ran").join();
                System.out.println("started");
            } catch (IllegalStateException e) {
                System.out.println(e.getMessage());
            }
        }
    }

    @Test
    void withoutTheAgentAGreenThreadIsRefusedWithTheRemedy() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StartWithoutTheAgent.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.startsWith("green threads cannot have ThreadLocal values of their own: java.lang is not open"), out);
        assertTrue(out.contains("-javaagent:greenthreads-agent.jar") && out.contains("--add-opens java.base/java.lang=ALL-UNNAMED"),
                out);
    }
}
