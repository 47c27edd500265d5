package dev.greenthreads.explore;

import static org.junit.jupiter.api.Assertions.*;

import dev.greenthreads.GreenThread;
import dev.greenthreads.sync.Mutex;
import org.junit.jupiter.api.Test;

class SmokeTest {

    static final class Counter {
        int value;
    }

    @Test
    void lostUpdate() {
        ExploreResult r = Explorer.explore(ExploreOptions.defaults().strategy(Strategy.RANDOM).schedules(1000), () -> {
            Counter c = new Counter();
            Mutex m = new Mutex();
            GreenThread<Void> a = GreenThread.start(() -> { m.lock(); int v = c.value; m.unlock(); m.lock(); c.value = v + 1; m.unlock(); });
            GreenThread<Void> b = GreenThread.start(() -> { m.lock(); int v = c.value; m.unlock(); m.lock(); c.value = v + 1; m.unlock(); });
            a.join();
            b.join();
            assertEquals(2, c.value);
        });
        System.out.println(r);
        assertTrue(r.failed());
    }
}
