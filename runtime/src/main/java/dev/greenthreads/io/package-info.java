/**
 * Green sockets: TCP whose blocking calls park only the calling green thread, so that a few
 * carrier threads serve thousands of connections written as plain blocking code.
 * {@link dev.greenthreads.io.GreenServerSocket} ({@code bind}, {@code accept}) and
 * {@link dev.greenthreads.io.GreenSocket} ({@code connect}, {@code read}, {@code write},
 * {@code shutdownOutput}, {@code close}), whose input and output are also streams that park
 * alike ({@link dev.greenthreads.io.GreenInputStream}, {@link dev.greenthreads.io.GreenOutputStream}).
 * Called from a platform thread they block it.
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>Poller</b> ({@link dev.greenthreads.io.Poller}): one NIO selector for the JVM's green
 *       sockets, and whoever selects on it and unparks the strands whose channels became ready:
 *       a carrier with nothing else to run, or, when no carrier does, a kernel thread.</li>
 *   <li><b>Registration</b> ({@link dev.greenthreads.io.Registration}): one channel's key in the
 *       poller's selector, its <b>waiters</b> (strands parked until the channel is ready for an
 *       operation: read, write, accept, connect), whether it is closed, and its
 *       <b>budget</b> (operations in a row that did not wait).</li>
 *   <li><b>Interest</b>: the operations the selector watches for a key. A waiter adds its
 *       operation; the poller removes a ready operation that nobody waits for.</li>
 * </ul>
 *
 * <h2>An operation</h2>
 * Channels are non-blocking. An operation tries the system call first, and only when it would
 * block (0 bytes, no connection) links a waiter and parks, then tries again when woken. Two
 * hints skip a system call that would only find nothing: a read that returned less than it
 * asked for emptied the receive buffer, so the next read waits first; a write that sent only
 * part filled the send buffer, so it waits before it tries the rest.
 *
 * <h2>Why no wake-up is lost</h2>
 * The selector is level-triggered: whenever the interest holds an operation for which the
 * channel is ready, the next select reports it. Under the registration's lock, a waiter links
 * itself <em>and</em> adds its operation to the interest; under the same lock, the poller takes
 * the waiters of the operations reported ready and removes from the interest only the ready
 * operations for which it found no waiter. So while a waiter is linked its operation stays in
 * the interest, and the next select after the channel becomes ready (or at once, if it is)
 * reports it and the poller takes the waiter. The park cannot miss the unpark
 * ({@code Strand}'s permit). {@link dev.greenthreads.io.Poller#interestChanged()} explains why
 * an interest added while the selector sleeps is applied at once.
 *
 * <p>An operation a waiter was woken for stays in the interest: its strand will most likely
 * wait for it again after reading, and then finds it there, with no system call to re-arm it
 * (each removal and re-addition is an {@code epoll_ctl}). If instead the channel is reported
 * again with nobody waiting, the poller removes it then, unless its strand is probably still on
 * its way: an idle carrier (all queues empty; the strand may be running on another carrier)
 * spares it once more, a busy carrier's non-blocking poll (the strand is probably still
 * queued) always. So a readiness nobody waits for costs a blocking select once or twice, not
 * every select: {@code EPOLLONESHOT} rebuilt, lazily, on the JDK's level-triggered selector.
 * Removing interest is never needed for correctness, only against a poller that would spin on
 * a ready channel; each removal and re-addition costs an {@code epoll_ctl} and often a
 * wake-up of the select (the figures: {@code Poller}).
 *
 * <h2>Closing, cancellation, timeouts</h2>
 * {@code close()} marks the registration closed under its lock (no waiter can link itself
 * afterwards), closes the channel, and wakes every waiter, which throws
 * {@code SocketException("Socket closed")}. Cancelling a waiting green thread unparks it: it
 * unlinks itself and throws {@code GreenCancelledException} (on a platform thread, an interrupt
 * does the same). A timed wait parks until its deadline in the strand's clock
 * ({@code Strand.parkUntil}: the scheduler's timers, no timer of our own), unlinks itself and
 * throws {@code SocketTimeoutException}; if it cannot unlink itself, readiness or a close woke
 * it at the same moment, and it acts on that instead. A cancelled waiter throws in any case:
 * the readiness it may have been handed is not lost, the selector reports it again.
 *
 * <h2>Fairness</h2>
 * A call that did not wait does not yield, so a connection whose peer is always ahead could
 * keep its green thread running for ever. After
 * {@value dev.greenthreads.io.Registration#OPERATION_BUDGET} such calls on a socket, the next
 * call yields first.
 */
package dev.greenthreads.io;
