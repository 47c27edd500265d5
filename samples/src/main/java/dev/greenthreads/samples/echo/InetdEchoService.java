package dev.greenthreads.samples.echo;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.SocketChannel;

/**
 * {@code echo-inetd}: the echo service as inetd runs it, one process per connection. inetd
 * accepts, forks, makes the connected socket the child's standard input and output, and execs
 * this; it echoes until the client closes, then exits.
 *
 * <p>Under a real inetd {@link System#inheritedChannel()} is that socket, and the echo runs on it
 * directly. Under {@link InetdEchoServer}'s own launcher (where no inetd can be had) standard
 * input and output are pipes the launcher copies to and from the socket, and the echo runs on
 * the streams. Either way a connection costs a whole JVM start, which is the point.
 *
 * <p>inetd starts this class's {@code main} directly, not through the samples' {@code Main}:
 * the menu's setup would be paid again by every connection.
 */
public final class InetdEchoService {

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: echo-inetd",
            "  the echo service for inetd: echoes standard input (the connection inetd hands over) to standard",
            "  output until the client closes, then exits. echo-server --mode inetd runs it under inetd.");

    private InetdEchoService() {}

    public static void main(String[] args) throws IOException {
        System.exit(run(args));
    }

    public static int run(String[] args) throws IOException {
        if (args.length > 0) {
            boolean help = args[0].equals("--help") || args[0].equals("-h");
            (help ? System.out : System.err).println(USAGE);
            return help ? 0 : 2;
        }
        Channel inherited = System.inheritedChannel();
        if (inherited instanceof SocketChannel socket) {
            echo(socket);
        } else {
            echo(System.in, new FileOutputStream(FileDescriptor.out)); // System.out would hide a broken pipe
        }
        return 0;
    }

    /** Blocking echo on the socket inetd handed over; a reset ends it like a close. */
    private static void echo(SocketChannel socket) {
        ByteBuffer buffer = ByteBuffer.allocate(ServerConfig.DEFAULT_BUFFER_SIZE);
        try (socket) {
            while (socket.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    socket.write(buffer);
                }
                buffer.clear();
            }
        } catch (IOException e) {
            // the client is gone: nothing left to serve
        }
    }

    private static void echo(InputStream in, OutputStream out) {
        byte[] buffer = new byte[ServerConfig.DEFAULT_BUFFER_SIZE];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the launcher closed the pipe: the client is gone
        }
    }
}
