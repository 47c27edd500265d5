package dev.greenthreads.samples.echo;

import java.nio.ByteBuffer;

/**
 * The bytes a client sends, so that it can check every byte that comes back without keeping a
 * copy: byte {@code i} of a connection's stream is a hash of {@code i} and the connection's
 * seed. A lost, repeated, reordered or crossed-over byte (another connection's) shows as a
 * mismatch at once.
 */
final class EchoPattern {

    private EchoPattern() {}

    static long seed(int connection) {
        return (connection + 1) * 0x9E3779B97F4A7C15L;
    }

    static byte at(long seed, long offset) {
        long x = (offset + seed) * 0xBF58476D1CE4E5B9L;
        return (byte) (x ^ (x >>> 29) ^ (x >>> 47));
    }

    /** Puts {@code length} bytes of the stream from {@code offset} into {@code buffer}, flipped for reading. */
    static void fill(ByteBuffer buffer, long seed, long offset, int length) {
        buffer.clear();
        for (int i = 0; i < length; i++) {
            buffer.put(at(seed, offset + i));
        }
        buffer.flip();
    }

    /** The index of the first of {@code buffer}'s remaining bytes that is not the stream's from {@code offset}, or -1. */
    static int mismatch(ByteBuffer buffer, long seed, long offset) {
        int start = buffer.position();
        for (int i = 0; i < buffer.remaining(); i++) {
            if (buffer.get(start + i) != at(seed, offset + i)) {
                return i;
            }
        }
        return -1;
    }
}
