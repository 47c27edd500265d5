/**
 * Green threads for the JVM: the public API that applications compile against.
 *
 * <ul>
 *   <li>{@link dev.greenthreads.GreenThread}: create, join, detach, exit, cancel, yield, sleep
 *       (the pthreads calls of the same names);</li>
 *   <li>{@link dev.greenthreads.Scheduler}: carriers that run green threads; the default one,
 *       schedulers of one's own, and a deterministic one for tests;</li>
 *   <li>{@link dev.greenthreads.GreenLocal}: per-thread values ({@code pthread_key_*});</li>
 *   <li>{@link dev.greenthreads.Suspendable}, {@link dev.greenthreads.SuspendableRunnable},
 *       {@link dev.greenthreads.SuspendableCallable}: what the agent rewrites;</li>
 *   <li>{@link dev.greenthreads.GreenThreadException},
 *       {@link dev.greenthreads.GreenCancelledException}: how failures and cancellation show.</li>
 * </ul>
 *
 * Synchronisation lives in {@code dev.greenthreads.sync}, green sockets in
 * {@code dev.greenthreads.io}; {@code dev.greenthreads.internal.*} is not API.
 */
package dev.greenthreads;
