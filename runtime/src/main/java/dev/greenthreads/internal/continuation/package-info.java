/**
 * Continuations by bytecode rewriting: the frames that rewritten code saves into and restores
 * from, and the protocol between rewritten code, the one primitive suspension and the runner.
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>Frames</b> ({@link dev.greenthreads.internal.continuation.Frames}): one per green
 *       thread; the saved frames of its suspended methods, outermost first. All a suspended
 *       thread keeps.</li>
 *   <li><b>Carrier</b> ({@link dev.greenthreads.internal.continuation.CarrierThread}): the kernel
 *       thread running a green thread. Its {@link dev.greenthreads.internal.continuation.FrameStack}
 *       ({@code frames}) is what rewritten code talks to: the running thread's frames are
 *       <em>mounted</em> on it for one run, and it holds everything a suspension or a
 *       resumption needs only while it happens.</li>
 *   <li><b>Suspendable call site</b>: a call, in a rewritten method, of a method that may suspend.
 *       The agent spills the operand stack to fresh locals before it and tests {@code status}
 *       after it.</li>
 *   <li><b>Runner</b>: the scheduler code that calls a green thread's body, once per run.</li>
 * </ul>
 *
 * <h2>The protocol</h2>
 * <ol>
 *   <li>Suspending: {@code FrameStack.suspend()} sets {@code UNWINDING} and returns. Each
 *       rewritten frame, finding {@code UNWINDING} after its call, saves its locals and the
 *       spilled operand stack ({@code save}, {@code push*}) and returns a dummy value. Nothing is
 *       saved on any path that does not suspend.</li>
 *   <li>The unwinding reaches the runner, which calls {@code suspendedAfterRun()} and unmounts
 *       the thread's frames; only then may the scheduler let anyone else resume the thread.
 *       <b>Invariant: a green thread is made runnable again only after its unwinding has
 *       reached the runner and its frames are unmounted</b>, so a waker that runs on another
 *       carrier can never resume frames that are still being saved. Code that parks records
 *       what to do after the unwinding (re-queue, wait) before it calls {@code suspend()}, and
 *       the runner carries it out.</li>
 *   <li>Resuming: the runner calls the body again with {@code RESUMING}. Each rewritten method
 *       entered sees it, restores its frame ({@code enter}, {@code pop*}) and re-issues its call
 *       with the spilled operands, until the innermost call of {@code suspend()} sets
 *       {@code RUNNING} and returns. Frames between that are not rewritten (a lambda's proxy
 *       class) are re-entered with the same arguments, which is correct for a pass-through.</li>
 *   <li>Kept frames: a frame that was re-entered and suspends again without having run (its
 *       re-issued call unwound) is still saved. It calls {@code keep} instead of saving, so a
 *       switch at depth 100 saves only the frames that ran since the last switch.</li>
 * </ol>
 *
 * <p>A call site that cannot unwind (inside {@code synchronized}, a constructor, a static
 * initialiser, a lambda that JDK code calls back) is wrapped in {@code pin}/{@code unpin}. A
 * green thread that parks under a pin does not suspend: its parking code reads
 * {@code pinnedAt()} first and blocks the carrier thread in place until it is woken, then
 * returns as a platform thread's park does, with nothing to unwind or resume
 * ({@link dev.greenthreads.internal.continuation.PinnedSites} reports each site once, or refuses
 * under {@code pinned=fail}). {@code suspend()} itself, called under a pin, refuses at once
 * with the place in the message.
 */
package dev.greenthreads.internal.continuation;
