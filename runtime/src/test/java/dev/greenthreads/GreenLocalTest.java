package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class GreenLocalTest {

    private static final GreenLocal<String> NAME = new GreenLocal<>();

    @Test
    void eachGreenThreadSeesOnlyItsOwnValue() {
        List<GreenThread<String>> threads = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String mine = "value-" + i;
            threads.add(GreenThread.start(() -> {
                String before = NAME.get();
                NAME.set(mine);
                for (int k = 0; k < 10; k++) {
                    GreenThread.yield();
                    if (!mine.equals(NAME.get())) {
                        return "saw " + NAME.get();
                    }
                }
                return before == null ? mine : "started with " + before;
            }));
        }
        for (int i = 0; i < threads.size(); i++) {
            assertEquals("value-" + i, threads.get(i).join());
        }
    }

    @Test
    void theInitialValueIsComputedOncePerThread() {
        AtomicInteger computed = new AtomicInteger();
        GreenLocal<Integer> counter = GreenLocal.withInitial(computed::incrementAndGet);
        List<GreenThread<Integer>> threads = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            threads.add(GreenThread.start(() -> {
                int first = counter.get();
                GreenThread.yield();
                return counter.get() == first ? 1 : 0;
            }));
        }
        int same = 0;
        for (GreenThread<Integer> t : threads) {
            same += t.join();
        }
        assertEquals(10, same);
        assertEquals(10, computed.get());
    }

    @Test
    void removeBringsBackTheInitialValue() {
        GreenLocal<String> local = new GreenLocal<>(() -> "initial");
        String seen = GreenThread.start(() -> {
            local.set("changed");
            local.remove();
            return local.get();
        }).join();
        assertEquals("initial", seen);
    }

    @Test
    void aValueMayBeSetToNull() {
        GreenLocal<String> local = GreenLocal.withInitial(() -> "initial");
        assertNull(GreenThread.start(() -> {
            local.set(null);
            GreenThread.yield();
            return local.get();
        }).join());
    }

    @Test
    void platformThreadsHaveTheirOwnValues() {
        GreenLocal<String> local = new GreenLocal<>();
        local.set("platform");
        String inGreen = GreenThread.start(() -> local.get()).join();
        assertNull(inGreen);
        assertEquals("platform", local.get());
        local.remove();
        assertNull(local.get());
    }
}
