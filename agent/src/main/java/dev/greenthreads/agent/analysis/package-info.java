/**
 * Facts about a method's bytecode that the plan and the rewrite rely on, computed from class
 * files alone.
 *
 * <ul>
 *   <li>{@link dev.greenthreads.agent.analysis.ControlFlow}: successors of each instruction,
 *       exception handlers included. {@link dev.greenthreads.agent.analysis.Liveness}: the locals
 *       read again after each instruction. {@link dev.greenthreads.agent.analysis.MonitorRegions}:
 *       the instructions that run while a monitor is held.
 *       {@link dev.greenthreads.agent.analysis.LoopHeaders}: the targets of backward jumps, where
 *       time-slice checks go.</li>
 *   <li>{@link dev.greenthreads.agent.analysis.ClassHierarchy}: other classes' headers, read
 *       without loading them; {@link dev.greenthreads.agent.analysis.HierarchyVerifier}: typed
 *       frames over it, tracking objects under construction as the JVM does.
 *       {@link dev.greenthreads.agent.analysis.JdkClasses}: what belongs to the JDK and which of
 *       its methods cannot call back into application code.</li>
 *   <li>{@link dev.greenthreads.agent.analysis.CallSite}: what a suspension at one call must
 *       save (live locals, the operand stack under the call);
 *       {@link dev.greenthreads.agent.analysis.Places}: where an instruction is, for messages.</li>
 * </ul>
 *
 * <p>Invariants. Nothing here changes a method or loads a class; a question about a class whose
 * file cannot be found fails the analysis, naming it, rather than guessing a type a restored
 * value would then have wrongly. Frames and liveness describe the method as it is when they are
 * computed: after a method is changed they are computed again, never patched. What cannot be
 * saved across a suspendable call (an object under construction, a subroutine's return address,
 * an unusable stack value) is a {@link dev.greenthreads.agent.analysis.CannotRewrite} naming it.
 */
package dev.greenthreads.agent.analysis;
