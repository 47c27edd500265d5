/**
 * Green sockets: TCP whose blocking calls park only the calling green thread, so that a few
 * carrier threads serve thousands of connections written as plain blocking code.
 * {@link dev.greenthreads.io.GreenServerSocket} ({@code bind}, {@code accept}) and
 * {@link dev.greenthreads.io.GreenSocket} ({@code connect}, {@code read}, {@code write},
 * {@code shutdownOutput}, {@code close}). Called from a platform thread they block it.
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>Poller</b> ({@link dev.greenthreads.io.Poller}): one NIO selector for the JVM's green
 *       sockets and the kernel thread that waits in it and unparks strands whose channels
 *       became ready.</li>
 *   <li><b>Registration</b> ({@link dev.greenthreads.io.Registration}): one channel's key in the
 *       poller's selector, its <b>waiters</b> (strands parked until the channel is ready for an
 *       operation: read, write, accept, connect), whether it is closed, and its
 *       <b>budget</b> (operations in a row that did not wait).</li>
 *   <li><b>Interest</b>: the operations the selector watches for a key. Set by a waiter before it
 *       parks, cleared by the poller as it reports them: each readiness is reported once.</li>
 * </ul>
 *
 * <h2>An operation</h2>
 * Channels are non-blocking. An operation tries the system call first; only when it would
 * block (0 bytes, no connection) does the strand link itself as a waiter, add the operation
 * to the key's interest and park, then try again when woken. Most reads and writes of a busy
 * connection therefore never touch the poller.
 *
 * <h2>Why no wake-up is lost</h2>
 * The selector is level-triggered: whenever the interest holds an operation for which the
 * channel is ready, the next select reports it. A waiter links itself (under the
 * registration's lock) <em>before</em> it sets the interest ({@code interestOpsOr}, atomic);
 * the poller clears the reported operations from the interest ({@code interestOpsAnd}, atomic)
 * <em>before</em> it takes the waiters (under the lock). If the poller took the waiters before
 * our waiter linked itself, then our interest-set came after its clear, and the channel will be
 * reported again; if after, the poller finds and wakes our waiter. The park itself cannot miss
 * the unpark ({@code Strand}'s permit). {@link dev.greenthreads.io.Poller#interestChanged()}
 * explains why an interest set while the poller sleeps is applied at once.
 *
 * <h2>Closing, cancellation, timeouts</h2>
 * {@code close()} marks the registration closed under its lock (no waiter can link itself
 * afterwards), closes the channel, and wakes every waiter, which throws
 * {@code SocketException("Socket closed")}. Cancelling a waiting green thread unparks it: it
 * unlinks itself and throws {@code GreenCancelledException} (on a platform thread, an interrupt
 * does the same). A timed wait parks until its deadline in the strand's clock
 * ({@code Strand.parkUntil}: the scheduler's timers, no timer of our own), unlinks itself and
 * throws {@code SocketTimeoutException}. A waiter that finds it cannot unlink itself was woken
 * by readiness or close at the same moment, and acts on that instead.
 *
 * <h2>Fairness</h2>
 * A call that did not wait does not yield, so a connection whose peer is always ahead could
 * keep its green thread running for ever. After
 * {@value dev.greenthreads.io.Registration#OPERATION_BUDGET} such calls on a socket, the next
 * call yields first.
 */
package dev.greenthreads.io;
