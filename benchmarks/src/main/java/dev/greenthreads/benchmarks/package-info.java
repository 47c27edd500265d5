/**
 * Benchmarks of green threads against virtual threads (JDK 21+) and platform threads, measured
 * side by side in one run, and the suite that runs them and publishes the report.
 *
 * <h2>What lives here</h2>
 * <ul>
 *   <li><b>JMH benchmarks</b>, one class per figure the project has a target for, each with the methods
 *       {@code green}, {@code virtual} and {@code platform} (the names the suite relies on):
 *       {@link dev.greenthreads.benchmarks.StartJoinBenchmark},
 *       {@link dev.greenthreads.benchmarks.BulkStartBenchmark},
 *       {@link dev.greenthreads.benchmarks.YieldBenchmark},
 *       {@link dev.greenthreads.benchmarks.YieldAtScaleBenchmark},
 *       {@link dev.greenthreads.benchmarks.MutexCondPingPongBenchmark},
 *       {@link dev.greenthreads.benchmarks.ParkHandoffBenchmark},
 *       {@link dev.greenthreads.benchmarks.ContendedMutexBenchmark},
 *       {@link dev.greenthreads.benchmarks.UncontendedMutexBenchmark},
 *       {@link dev.greenthreads.benchmarks.SkynetBenchmark};
 *       {@link dev.greenthreads.benchmarks.ExploreBenchmark} (the interleaving explorer: {@code green},
 *       {@code greenSharedFields}, {@code platform}; its forks load the agent, which rewrites its
 *       program, {@link dev.greenthreads.samples.ThreeCounters}, as it loads); and
 *       {@link dev.greenthreads.benchmarks.RewriteOverheadBenchmark} ({@code plain} against
 *       {@code rewritten}). Green variants run on a {@link dev.greenthreads.benchmarks.GreenScheduler}
 *       of their own and drive the public API from inside green threads; virtual variants reach
 *       virtual threads through {@link dev.greenthreads.samples.VirtualThreads} so that this
 *       module compiles for Java 17.</li>
 *   <li><b>{@link dev.greenthreads.benchmarks.ParkedHeap}</b>: heap per parked thread, which JMH
 *       does not measure; one child JVM per measurement, and the 1 GB check.</li>
 *   <li><b>The suite</b>: {@link dev.greenthreads.benchmarks.Suite} runs everything (JMH
 *       programmatically, console progress through {@link dev.greenthreads.benchmarks.ProgressFormat}),
 *       then {@link dev.greenthreads.benchmarks.Figures} normalises the results per operation,
 *       {@link dev.greenthreads.benchmarks.Targets} checks them against the targets it lists,
 *       {@link dev.greenthreads.benchmarks.Report} writes {@code RESULTS.md} and
 *       {@link dev.greenthreads.benchmarks.Charts} the PNGs (JFreeChart).</li>
 * </ul>
 *
 * <h2>Rules</h2>
 * Classes here are rewritten by the agent at build time (see the root pom), so the jar runs
 * without {@code -javaagent}: a method that parks a green thread is {@code @Suspendable} or the
 * body of a {@code SuspendableRunnable}/{@code SuspendableCallable} lambda, and so is every
 * method between it and the body. Every benchmark checks its own result (a count, a sum) and
 * throws if it is wrong, so the smoke run catches a broken primitive as well as a broken
 * benchmark. A benchmark that needs JDK 21 is a method named {@code virtual}: the suite leaves
 * those out on older JDKs.
 */
package dev.greenthreads.benchmarks;
