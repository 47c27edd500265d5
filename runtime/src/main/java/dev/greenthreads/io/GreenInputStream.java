package dev.greenthreads.io;

import dev.greenthreads.Suspendable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.util.Objects;

/**
 * The input of a {@link GreenSocket} as an {@link InputStream} ({@link GreenSocket#inputStream()}):
 * each read parks the calling green thread as {@link GreenSocket#read(byte[], int, int)} does,
 * with its cancellation, timeout ({@link GreenSocket#setReadTimeout}) and close semantics; -1 at
 * the end of the stream. Nothing is buffered: {@link #read()} makes a system call for each byte
 * that is not yet known to be there, so read arrays where you can.
 *
 * <p>A read parks only when the call is a suspension point of rewritten code: call it through
 * this type ({@code GreenInputStream in = socket.inputStream(); in.read(b)}). Through an
 * {@code InputStream} reference, or from the JDK's code ({@code BufferedReader},
 * {@code InputStreamReader}, {@code DataInputStream}, the default {@code transferTo}), the call
 * site is the JDK's {@code InputStream.read}, which is never rewritten: a read that has to wait
 * then cannot unwind, and pins its carrier (see the README, "What cannot suspend").
 *
 * <p>{@link #close()} closes the socket, as a {@code java.net.Socket}'s stream does.
 * {@link #available()} is 0 while the socket is open: knowing more would cost a system call
 * that the channel does not offer.
 */
public final class GreenInputStream extends InputStream {

    private static final int SKIP_BUFFER = 8192;

    private final GreenSocket socket;

    GreenInputStream(GreenSocket socket) {
        this.socket = socket;
    }

    /** One byte, 0 to 255, or -1 at the end of the stream; parks until it arrives. */
    @Override
    @Suspendable
    public int read() throws IOException {
        byte[] one = new byte[1];
        return socket.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    @Suspendable
    public int read(byte[] b) throws IOException {
        return socket.read(b, 0, b.length);
    }

    /** {@link GreenSocket#read(byte[], int, int)}: at least one byte (0 if {@code len} is 0), or -1 at the end. */
    @Override
    @Suspendable
    public int read(byte[] b, int off, int len) throws IOException {
        return socket.read(b, off, len);
    }

    /** Reads until {@code len} bytes or the end of the stream; returns how many. */
    @Override
    @Suspendable
    public int readNBytes(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        int n = 0;
        while (n < len) {
            int r = socket.read(b, off + n, len - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }

    /** Everything up to the end of the stream. */
    @Override
    @Suspendable
    public byte[] readAllBytes() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[SKIP_BUFFER];
        for (int r; (r = socket.read(buffer, 0, buffer.length)) >= 0; ) {
            all.write(buffer, 0, r);
        }
        return all.toByteArray();
    }

    /** Reads and discards up to {@code n} bytes, fewer at the end of the stream; returns how many. */
    @Override
    @Suspendable
    public long skip(long n) throws IOException {
        if (n <= 0) {
            return 0;
        }
        byte[] buffer = new byte[(int) Math.min(n, SKIP_BUFFER)];
        long left = n;
        while (left > 0) {
            int r = socket.read(buffer, 0, (int) Math.min(left, buffer.length));
            if (r < 0) {
                break;
            }
            left -= r;
        }
        return n - left;
    }

    /**
     * 0: a read may have to wait.
     *
     * @throws SocketException if the socket is closed
     */
    @Override
    public int available() throws IOException {
        if (socket.isClosed()) {
            throw new SocketException("Socket closed");
        }
        return 0;
    }

    /** Closes the socket ({@link GreenSocket#close()}). */
    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public String toString() {
        return "GreenInputStream[" + socket + "]";
    }
}
