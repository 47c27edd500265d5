/**
 * The transforms that carry out a method's plan, and the marks the runtime reads.
 *
 * <ul>
 *   <li>{@link dev.greenthreads.agent.emit.ResumableMethod}: a suspendable method made
 *       resumable, its shape in bytecode drawn at the top of the class; its helpers
 *       {@code ConstructorCalls} (allocations moved after suspendable arguments),
 *       {@code VerificationChecks} (a status check after each other call that could pass a
 *       suspension on) and {@code FrameStackCalls} (the instructions that reach the runtime).</li>
 *   <li>{@code TimeSliceChecks}: a time-slice check at each loop header of a method made
 *       resumable (agent option {@code preempt}), a suspendable call site behind one static
 *       field read.</li>
 *   <li>{@link dev.greenthreads.agent.emit.Pins}: a call where suspension is impossible wrapped in
 *       pin/unpin, so that a suspension there blocks its carrier in place (or fails under
 *       {@code pinned=fail}), named by the place.</li>
 *   <li>{@link dev.greenthreads.agent.emit.RefusalMarks}: {@code @Refused(reason)} on each method
 *       left as it was that a suspension may reach.</li>
 * </ul>
 *
 * <p>Invariants. The protocol the emitted code follows is the runtime's, stated in
 * {@code dev.greenthreads.internal.continuation}; every name and descriptor of it comes from
 * {@code dev.greenthreads.contract.Contract}. On the path where nothing suspends, a rewritten
 * method pays one field read on entry and one after each suspendable call: saving and restoring
 * are out of line, after the method's code. The same class file is always rewritten to the same
 * bytes. A transform that throws may leave its method half-changed; the caller puts back its copy.
 */
package dev.greenthreads.agent.emit;
