package dev.greenthreads.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * touch-count finds the lost update, replays it and explores the fix clean under the agent
 * option fields (the surefire execution touch-count-with-fields); without the option it says
 * how to turn it on.
 */
class TouchCountTest {

    @Test
    void findsReplaysAndFixesTheLostUpdateOrSaysHowToTurnFieldsOn() throws Exception {
        String[] out = new String[2];
        int code = captured(out, () -> TouchCount.run(new String[] {"--schedules", "2000"}));
        if (!Boolean.getBoolean("greenthreads.fields")) {
            assertEquals(2, code);
            assertTrue(out[1].startsWith("touch-count: the agent option fields is off"), out[1]);
            assertTrue(out[1].contains("greenthreads-agent.jar=fields"), out[1]);
            return;
        }
        assertEquals(0, code, out[0] + out[1]);
        String o = out[0];
        assertTrue(o.contains("failed: the total is "), o);
        assertTrue(o.contains("read Counter.total") && o.contains("write Counter.total"), o);
        assertTrue(o.contains("at TouchCount.java:"), o);
        assertTrue(o.contains("the same failure, first try: the total is "), o);
        assertTrue(o.contains("2000 schedules, no lost update"), o);
    }

    @Test
    void anUnknownStrategyIsAUsageError() throws Exception {
        assertEquals(2, captured(new String[2], () -> TouchCount.run(new String[] {"--strategy", "FAST"})));
    }

    private interface Body {
        int run() throws Exception;
    }

    private static int captured(String[] out, Body body) throws Exception {
        PrintStream stdout = System.out, stderr = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            return body.run();
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
            out[0] = o.toString(StandardCharsets.UTF_8);
            out[1] = e.toString(StandardCharsets.UTF_8);
        }
    }
}
