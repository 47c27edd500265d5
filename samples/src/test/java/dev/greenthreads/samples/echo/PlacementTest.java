package dev.greenthreads.samples.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementTest {

    @Test
    void readsAndWritesTheKernelsCpuListSyntax() {
        assertEquals(List.of(0, 1, 2, 5), Placement.parseList("0-2,5"));
        assertEquals(List.of(3), Placement.parseList("3"));
        assertEquals("0,1,2,5", Placement.list(List.of(0, 1, 2, 5)));
    }

    @Test
    void thisProcessHasAtLeastOneCpu() {
        assertFalse(Placement.allowedCpus().isEmpty());
    }

    @Test
    void withoutPinningNothingIsConfinedAndTheSummarySaysWhy() {
        Placement placement = Placement.decide(false);
        assertNull(placement.serverCpus());
        assertNull(placement.launch(null).cpus());
        assertEquals(Placement.allowedCpus().size(), placement.serverCores());
        assertTrue(placement.summary().startsWith("not pinned (--no-pin)"), placement.summary());
    }
}
