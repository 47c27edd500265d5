/**
 * The agent's entry points and its pipeline for one class.
 *
 * <ul>
 *   <li>{@link dev.greenthreads.agent.Agent}: {@code -javaagent}, rewrites classes as they load.</li>
 *   <li>{@link dev.greenthreads.agent.Main} and {@link dev.greenthreads.agent.Instrumenter}: the
 *       offline instrumenter (jars and directories, ahead of time; the Maven plugin calls it).</li>
 *   <li>{@link dev.greenthreads.agent.AgentOptions}: the options both take.
 *       {@link dev.greenthreads.agent.Log}: one line per event.</li>
 *   <li>{@code ClassRewriter}: the passes for one class file, in order: plan every method
 *       ({@code classify}), carry out each plan ({@code emit}, on facts from {@code analysis}),
 *       write with fresh stack map frames, verify what was written, mark what was refused.</li>
 * </ul>
 *
 * <p>Invariants. The agent never breaks the application it instruments: any failure leaves
 * the class, or the one method, as the compiler wrote it, with one log line saying why, and a
 * method left as it was carries the reason for the runtime. The agent never loads a class to
 * decide anything (loading from inside a transformer could run an initialiser or deadlock): it
 * reads class files. It never rewrites the JDK, its own classes or {@code FrameStack}, and a
 * class it rewrote ({@code @Instrumented}) is left alone, so rewriting twice is harmless.
 * Dependencies point one way: this package uses {@code classify}, {@code analysis} and
 * {@code emit}; {@code classify} and {@code emit} use {@code analysis}; nothing uses this package.
 * The runtime's names come from {@code dev.greenthreads.contract.Contract}, never literals.
 */
package dev.greenthreads.agent;
