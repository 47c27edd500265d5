package dev.greenthreads.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** spawn-rates prints a rate for every kind that can run here, and the ratio to a process. */
class SpawnRatesTest {

    @Test
    void printsEveryKindWithItsRatioToAProcess() throws Exception {
        String output = captured(() -> assertEquals(0, SpawnRates.run(new String[] {"--seconds", "0.05"})));
        for (String kind : new String[] {"process (/bin/true)", "platform thread", "virtual thread",
                "green thread, from a platform thread", "green thread, from a green thread"}) {
            assertTrue(output.contains("\n" + kind + " "), () -> "no row for " + kind + " in:\n" + output);
        }
        assertTrue(output.contains("the lecture: threads are about 125x cheaper than processes; here a platform thread is"),
                output);
        if (VirtualThreads.available()) {
            assertTrue(output.contains(", a virtual thread "), output);
        } else {
            assertTrue(output.contains("virtual thread                         skipped: "), output);
        }
    }

    @Test
    void aTooShortBudgetIsAUsageError() throws Exception {
        assertEquals(2, SpawnRates.run(new String[] {"--seconds", "0"}));
    }

    private interface Body {
        void run() throws Exception;
    }

    private static String captured(Body body) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(original);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
