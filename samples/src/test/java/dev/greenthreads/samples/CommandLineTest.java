package dev.greenthreads.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class CommandLineTest {

    private static CommandLine parse(String... args) throws CommandLine.UsageException {
        return CommandLine.parse(args, Set.of("--port", "--connections", "--measure", "--modes"), Set.of("--no-chart"));
    }

    @Test
    void readsValuesBothWaysWithSeparatorsAndUnits() throws Exception {
        CommandLine options = parse("--port=7007", "--connections", "1,100,1_000", "--measure", "500ms", "--no-chart");
        assertEquals(7007, options.integer("--port", 0, 0));
        assertEquals(List.of(1, 100, 1000), options.integers("--connections", List.of(), 1));
        assertEquals(Duration.ofMillis(500), options.duration("--measure", Duration.ZERO));
        assertTrue(options.has("--no-chart"));
        assertEquals(List.of("a", "b"), options.words("--modes", List.of("a", "b")));
    }

    @Test
    void durationsWithoutUnitAreSeconds() throws Exception {
        assertEquals(Duration.ofMillis(1500), parse("--measure", "1.5").duration("--measure", Duration.ZERO));
        assertEquals(Duration.ofMinutes(1), parse("--measure", "1m").duration("--measure", Duration.ZERO));
    }

    @Test
    void mistakesSayWhichOptionAndWhatItWants() {
        assertEquals("unknown option --prot",
                assertThrows(CommandLine.UsageException.class, () -> parse("--prot", "1")).getMessage());
        assertEquals("--port needs a value",
                assertThrows(CommandLine.UsageException.class, () -> parse("--port")).getMessage());
        assertEquals("--port wants a whole number >= 1, got x",
                assertThrows(CommandLine.UsageException.class, () -> parse("--port", "x").integer("--port", 0, 1))
                        .getMessage());
    }
}
