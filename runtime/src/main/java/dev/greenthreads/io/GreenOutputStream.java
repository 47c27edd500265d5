package dev.greenthreads.io;

import dev.greenthreads.Suspendable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The output of a {@link GreenSocket} as an {@link OutputStream} ({@link GreenSocket#outputStream()}):
 * each write sends all its bytes, parking the calling green thread while the send buffer is full,
 * as {@link GreenSocket#write(byte[], int, int)} does, with its cancellation and close semantics.
 * Nothing is buffered, so {@link #flush()} has nothing to do and {@link #write(int)} makes a
 * system call per byte: write arrays.
 *
 * <p>A write parks only when the call is a suspension point of rewritten code: call it through
 * this type. Through an {@code OutputStream} reference or from the JDK's code
 * ({@code BufferedOutputStream}, {@code PrintStream}, a {@code Writer}) a write that has to wait
 * cannot unwind, and pins its carrier (see {@link GreenInputStream}).
 *
 * <p>{@link #close()} closes the socket, as a {@code java.net.Socket}'s stream does; to
 * half-close, {@link GreenSocket#shutdownOutput()}.
 */
public final class GreenOutputStream extends OutputStream {

    private final GreenSocket socket;

    GreenOutputStream(GreenSocket socket) {
        this.socket = socket;
    }

    /** Sends the low eight bits of {@code b}. */
    @Override
    @Suspendable
    public void write(int b) throws IOException {
        socket.write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    @Suspendable
    public void write(byte[] b) throws IOException {
        socket.write(b, 0, b.length);
    }

    /** {@link GreenSocket#write(byte[], int, int)}: all {@code len} bytes. */
    @Override
    @Suspendable
    public void write(byte[] b, int off, int len) throws IOException {
        socket.write(b, off, len);
    }

    /** Nothing: every write has been handed to the kernel before it returned. */
    @Override
    public void flush() {
    }

    /** Closes the socket ({@link GreenSocket#close()}). */
    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public String toString() {
        return "GreenOutputStream[" + socket + "]";
    }
}
