/**
 * The first pass: what each method of a class is to become, decided before anything changes.
 *
 * <ul>
 *   <li>{@link dev.greenthreads.agent.classify.Suspendability}: which methods are suspendable
 *       and which calls may suspend, from annotations, {@code include=}, the runtime's
 *       functional interfaces, overriding and lambdas, read from class files.</li>
 *   <li>{@link dev.greenthreads.agent.classify.NeverSuspends}: the methods of a class that can
 *       never reach a suspension whatever they are marked, left as javac wrote them.</li>
 *   <li>{@link dev.greenthreads.agent.classify.Classifier} computes a
 *       {@link dev.greenthreads.agent.classify.MethodPlan} per method: skip, pin, refuse or rewrite.</li>
 * </ul>
 *
 * <p>Invariants. A plan is computed from the class as it was read and changes nothing; the
 * emitters carry it out and decide nothing. A call site is planned as suspendable when the
 * method it names may suspend: over-approximating costs a field read and a branch,
 * under-approximating is caught by verification at run time. A method that can never suspend
 * (a constructor, a static initialiser, a synchronized method; and within a rewritten method, a
 * call inside a {@code synchronized} block) has its suspendable calls pinned, never made
 * resumable: its frame cannot be saved or moved to another carrier.
 */
package dev.greenthreads.agent.classify;
