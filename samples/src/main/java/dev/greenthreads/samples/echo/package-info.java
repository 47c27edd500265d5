/**
 * Echo servers side by side: the same TCP echo service written eight ways, a load generator
 * that verifies every echoed byte, and a benchmark that runs them all and draws the result.
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>mode</b> ({@link dev.greenthreads.samples.echo.EchoMode}): how a server gives each
 *       connection something to run on. {@code iterative}, {@code threads} and {@code virtual}
 *       are one class, {@link dev.greenthreads.samples.echo.BlockingEchoServer}, differing only
 *       in that: the accepting thread itself, a new platform thread, a new virtual thread.
 *       {@code select} multiplexes every connection on one thread
 *       ({@link dev.greenthreads.samples.echo.SelectorEchoServer}); {@code prefork} runs N worker
 *       processes that share the port ({@link dev.greenthreads.samples.echo.PreforkEchoServer}),
 *       a fixed number or an elastic pool sized from its scoreboard
 *       ({@link dev.greenthreads.samples.echo.PreforkEchoServer.Pool});
 *       {@code inetd} starts a process per connection, under a real inetd or our launcher
 *       ({@link dev.greenthreads.samples.echo.InetdEchoServer});
 *       {@code green} runs a green thread per connection on {@code dev.greenthreads.io};
 *       {@code netty-nio} and {@code netty-epoll} are the server JVM developers would otherwise
 *       write, on Netty's event loops ({@link dev.greenthreads.samples.echo.NettyEchoServer}).</li>
 *   <li><b>connection table</b> ({@link dev.greenthreads.samples.echo.ConnectionTable}): every
 *       open connection of a server, its admission against {@code --max-connections}, idle
 *       reaping and closing at shutdown.</li>
 *   <li><b>load generator</b> ({@link dev.greenthreads.samples.echo.LoadGenerator}): thousands of
 *       client connections on a few selector threads.</li>
 *   <li><b>connection churn</b> ({@link dev.greenthreads.samples.echo.ConnectionChurn}): clients
 *       that connect, echo one message and close, again and again: what a server pays per
 *       connection rather than per message.</li>
 * </ul>
 *
 * <h2>What every server guarantees, and why a bad client cannot hurt the others</h2>
 * <ol>
 *   <li><b>Bounded buffering.</b> A server holds at most one buffer ({@code --buffer}, 8 KiB)
 *       of not-yet-echoed bytes per connection, and reads nothing more from that connection
 *       until those bytes are written back. So a client that sends but never reads is pushed
 *       back by TCP flow control (its send window closes) instead of growing the server's heap:
 *       a blocking server's thread sits in {@code write}; the selector server drops
 *       {@code OP_READ} for that connection and waits for {@code OP_WRITE}.</li>
 *   <li><b>A bounded number of connections.</b> Past {@code --max-connections} a new connection
 *       is accepted and closed at once, and logged: one line, then at most one line a second
 *       that counts the refusals since.</li>
 *   <li><b>Failures stay with their connection.</b> A reset, a half-close, garbage, or an
 *       exception ends that connection only. An echo server has no message format, so
 *       "garbage" is just bytes, echoed like any others; a half-closed connection gets
 *       everything it sent echoed before the server closes it.</li>
 *   <li><b>Idle connections are reaped.</b> A connection with no progress in either direction
 *       for {@code --idle-timeout} (60 s) is closed, which also frees a thread stuck writing to a
 *       client that stopped reading.</li>
 *   <li><b>Nothing leaks.</b> A connection leaves the table exactly once, closing its socket;
 *       its thread (if it has one) then ends. {@code close()} closes the listener and every
 *       connection, and returns once the server's threads have ended.</li>
 * </ol>
 * The {@code iterative} server keeps 1, 2, 4 and 5 but cannot keep 3 by design: while it serves
 * one connection every other waits. That is the flaw it is here to show.
 */
package dev.greenthreads.samples.echo;
