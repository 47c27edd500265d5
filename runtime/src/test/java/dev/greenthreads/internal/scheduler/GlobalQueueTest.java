package dev.greenthreads.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class GlobalQueueTest {

    @Test
    void aBatchGoesToTheRunQueueInOrderAndTheRestStays() {
        GlobalQueue<Integer> global = new GlobalQueue<>();
        for (int i = 0; i < 10; i++) {
            global.push(i);
        }
        RunQueue<Integer> local = new RunQueue<>();
        Object[] buffer = new Object[RunQueue.CAPACITY / 2];
        assertEquals(0, global.pollBatch(local, 4, buffer));
        assertEquals(6, global.size());
        for (int i = 1; i <= 3; i++) {
            assertEquals(i, local.poll());
        }
        assertNull(local.poll());
        assertArrayEquals(new Object[buffer.length], buffer, "the scratch array keeps no thread reachable");
        assertEquals(4, global.poll());
    }

    @Test
    void aBatchTakesNoMoreThanTheRunQueueHasRoomFor() {
        GlobalQueue<Integer> global = new GlobalQueue<>();
        RunQueue<Integer> local = new RunQueue<>();
        for (int i = 0; i < RunQueue.CAPACITY - 2; i++) {
            local.offer(-1);
        }
        for (int i = 0; i < 10; i++) {
            global.push(i);
        }
        assertEquals(0, global.pollBatch(local, 8, new Object[RunQueue.CAPACITY / 2]));
        assertEquals(0, local.room());
        assertEquals(7, global.size());
        assertEquals(3, global.poll());
    }

    @Test
    void anOverflowBatchQueuesBehindWhatWasThereAndIsCleared() {
        GlobalQueue<Integer> global = new GlobalQueue<>();
        global.push(0);
        Object[] batch = {1, 2, null};
        global.pushBatch(batch, 2, 3);
        assertArrayEquals(new Object[3], batch);
        for (int i = 0; i < 4; i++) {
            assertEquals(i, global.poll());
        }
        assertNull(global.poll());
        assertEquals(0, global.size());
    }
}
