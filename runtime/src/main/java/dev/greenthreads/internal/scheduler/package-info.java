/**
 * Scheduling green threads on carrier kernel threads: run queues, the wake protocol for idle
 * carriers, timers, and the park/unpark primitive ({@link dev.greenthreads.internal.scheduler.Strand})
 * on which joining, sleeping and the {@code sync} package are built.
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>Green thread</b> ({@link dev.greenthreads.internal.scheduler.GreenStrand}): the
 *       scheduler's record of one: body, frame stack, state, permit, joiners. The public
 *       {@code GreenThread} holds it; it holds only an opaque handle back.</li>
 *   <li><b>Strand</b> ({@link dev.greenthreads.internal.scheduler.Strand}): anything that can
 *       park, a green thread or a platform thread.</li>
 *   <li><b>Carrier</b> ({@link dev.greenthreads.internal.scheduler.Carrier}): a daemon kernel
 *       thread that runs green threads, one slice at a time. The <b>runner</b> is its method
 *       that calls a thread's body and, when the body returns, acts on how it returned.</li>
 *   <li><b>Dispatcher</b> ({@link dev.greenthreads.internal.scheduler.Dispatcher}): the engine
 *       of one {@code Scheduler}; work-stealing
 *       ({@link dev.greenthreads.internal.scheduler.StealingDispatcher}) or deterministic
 *       ({@link dev.greenthreads.internal.scheduler.DeterministicDispatcher}). It reports
 *       failures nobody can be thrown to through a
 *       {@link dev.greenthreads.internal.scheduler.FailureSink}.</li>
 *   <li><b>Core</b> ({@link dev.greenthreads.internal.scheduler.Core}): a carrier's share of
 *       the work-stealing dispatcher's state (Go's P): run queue, LIFO slot, park state.
 *       As many as the scheduler has carriers; the carrier thread holding one may change.</li>
 *   <li><b>Slice</b>: one run of a green thread by a runner, from resuming it to its return,
 *       suspension or failure. A carrier <b>blocked in a slice</b> waits in the kernel
 *       ({@code Thread.sleep}, a plain socket read, a pinned park) inside a green thread.</li>
 *   <li><b>Monitor</b> ({@link dev.greenthreads.internal.scheduler.CarrierMonitor}, Go's
 *       sysmon): one daemon thread per work-stealing dispatcher that takes the core of a
 *       carrier blocked in a slice. <b>Spare</b> carrier
 *       ({@link dev.greenthreads.internal.scheduler.SpareCarriers}): a carrier thread without
 *       a core, parked until the monitor hands it one, and retired after idling.</li>
 *   <li><b>Time slice</b> ({@link dev.greenthreads.internal.scheduler.TimeSlice}): how long a
 *       slice may run while others wait; the monitor then marks it <b>expired</b> on its core,
 *       and the green thread yields at its next <b>check</b> (one the agent put at a loop header),
 *       to the global queue.</li>
 *   <li><b>Run queue</b> ({@link dev.greenthreads.internal.scheduler.RunQueue}): a core's
 *       256-slot ring; the owner pushes and pops, idle carriers steal half.
 *       <b>LIFO slot</b>: the thread most recently unparked or started by code on that carrier, run next.
 *       <b>Global queue</b> ({@link dev.greenthreads.internal.scheduler.GlobalQueue}):
 *       submissions from outside the carriers and overflow.</li>
 *   <li><b>Idle</b> carrier: parked, waiting to be handed work. <b>Searching</b> carrier:
 *       awake, without work, trying to steal some. Both, and how carriers are woken, are
 *       {@link dev.greenthreads.internal.scheduler.IdleCarriers}.</li>
 *   <li><b>Timers</b> ({@link dev.greenthreads.internal.scheduler.Timers}): the deadlines of
 *       timed parks, in a {@link dev.greenthreads.internal.scheduler.TimerHeap}. <b>Timed
 *       waiter</b>: the one idle carrier parked until the earliest.</li>
 *   <li><b>Wait-for edge</b> ({@link dev.greenthreads.internal.scheduler.WaitsFor}): a strand's
 *       untimed wait for a lock or a thread, which the holder must release or end; followed,
 *       before a contended wait parks, to refuse a wait that would close a deadlock cycle.</li>
 *   <li><b>Spin lock</b> ({@link dev.greenthreads.internal.sync.SpinLock}): guards every
 *       waiter list; a strand is the spin lock of its joiners.</li>
 *   <li><b>Thread-local maps</b> ({@link dev.greenthreads.internal.scheduler.ThreadLocalMaps}):
 *       a green thread's {@code ThreadLocal} maps, put in its carrier's {@code Thread} fields for
 *       each slice; its interrupt status follows it the same way.</li>
 *   <li><b>Green monitor</b> ({@link dev.greenthreads.internal.scheduler.GreenMonitor}):
 *       {@code synchronized}, {@code wait} and {@code notify} in code rewritten with the agent
 *       option {@code monitors}; a <b>green ownership</b> per locked object, held across
 *       suspensions, taken before and given back before the object's JVM monitor, which a
 *       frame holds only while it runs.</li>
 *   <li><b>Exploring dispatcher</b>
 *       ({@link dev.greenthreads.internal.scheduler.ExploringDispatcher}): the interleaving
 *       explorer's engine, one carrier that runs schedule after schedule of one body; at each
 *       <b>switch point</b> ({@link dev.greenthreads.internal.scheduler.Interleavings}, called
 *       from the thread, {@code sync} and {@code io} operations) a
 *       {@link dev.greenthreads.internal.scheduler.ScheduleStrategy} picks who runs next.</li>
 *   <li><b>Blocking call</b> ({@link dev.greenthreads.internal.scheduler.BlockingCalls}): a
 *       call with no green form, run on a bounded pool of platform threads while its green
 *       thread parks ({@code GreenThread.runBlocking}).</li>
 *   <li><b>Place</b>: a frame as a stack trace shows it, "com.example.C.m(C.java:42)"; a
 *       saved frame keeps the place of the call it is suspended in. A thread's <b>stack</b>
 *       ({@link dev.greenthreads.internal.scheduler.StackTraces}) is its places, rebuilt from
 *       its saved frames or read from its carrier; a <b>dump</b>
 *       ({@link dev.greenthreads.internal.scheduler.ThreadDump}) groups the live threads by
 *       stack; the <b>scoreboard</b> ({@link dev.greenthreads.internal.scheduler.Scoreboard})
 *       is the scheduler's MXBean, reading each core's counters; the flight-recorder events are
 *       emitted by {@link dev.greenthreads.internal.scheduler.FlightEvents}. None of them stops
 *       a thread: they read what the carriers write, racily, and say where that can mislead.</li>
 * </ul>
 *
 * <h2>Green thread states</h2>
 * <pre>
 *   NEW --start--> READY --dispatch--> RUNNING --body ends--> TERMINATED
 *                    ^                   |  |
 *                    |      yield: YIELDING  PARKING: park
 *                    |   (runner re-queues)  (runner: PARKED, then re-checks the permit)
 *                    +---- unpark / timer: CAS PARKED -> READY (exactly one waker wins)
 * </pre>
 * Only the carrier running a thread moves it out of RUNNING, YIELDING and PARKING. The public
 * {@code GreenThread} maps these states to its own (YIELDING to READY; PARKING and PARKED to
 * BLOCKED): nothing in this package knows the public types.
 *
 * <h2>The after-unwind rule</h2>
 * The rule is stated, with its reason, in {@link dev.greenthreads.internal.continuation}; this is
 * how the scheduler keeps it. Code that suspends never queues itself: it
 * records in {@code state} what is to be done (YIELDING or PARKING, plus a deadline) and calls
 * {@code suspend()}; the runner does it, after {@code suspendedAfterRun()} returned true and
 * after it unmounted the thread's frames from its carrier. From the moment the runner
 * queues the thread or marks it PARKED, it does not touch the thread again.
 *
 * <h2>Park and unpark: why no wake-up is lost</h2>
 * A strand's permit is an int, 0 or 1. {@code park} consumes it if set (getAndSet) and returns;
 * otherwise it records PARKING and suspends. An {@code unpark} that arrives while the thread
 * is still unwinding sees PARKING and only sets the permit. The runner then writes PARKED and
 * reads the permit; the unparker wrote the permit and reads the state. Both are volatile, so
 * at least one of them sees the other's write: either the unparker sees PARKED and wins the CAS
 * PARKED&nbsp;&rarr;&nbsp;READY, or the runner sees the permit and wins it. The same argument,
 * with a {@code timedOut} flag instead of the permit, covers a timer that fires during the
 * unwinding: the timer is armed before PARKED is written. A resumed park clears the permit.
 * Spurious returns (a stale permit, a cancellation, a timer of an earlier wait) are allowed,
 * as with {@code LockSupport}: callers loop on their condition.
 *
 * <p>A thread that parks where it cannot unwind (under a pin: {@code FrameStack.pinnedAt()})
 * does not suspend: it blocks its carrier thread in {@code LockSupport} until the permit comes,
 * showing PARKING meanwhile, and its unparker unparks the carrier. {@code GreenStrand}'s
 * "Pinned" section says why no wake-up is lost there.
 *
 * <h2>Waking carriers: one at a time, and never too few</h2>
 * The code is {@link dev.greenthreads.internal.scheduler.IdleCarriers}, which can be run alone
 * with fake carriers (its documentation says how, and what to check). Counters {@code idle}
 * and {@code searching} (Go's npidle and nmspinning). Whoever makes a thread ready pushes it,
 * then (after a full fence) wakes one idle carrier if {@code idle > 0 && searching == 0}; the
 * woken carrier is counted as searching before it wakes, so a burst of pushes wakes one
 * carrier, not all. A searcher that finds work stops
 * searching, and if it was the last and work is left, signals again: carriers come up one by
 * one while there is work for them (Tokio: "notify only if nobody is searching"), and a lone
 * thread started from outside wakes one carrier, not two (the scoreboard counts each core's
 * wake-ups).
 *
 * <p>Why an idle carrier never sleeps on work: a carrier going idle first counts itself in
 * {@code idle} and stops searching (both atomic read-modify-writes, i.e. full fences), then
 * re-checks every queue, LIFO slot and due timer before it parks. A pusher pushes, fences, then
 * reads the counters. If the re-check missed the push, the push came after the re-check's
 * fence, so the pusher reads the new counters: it sees an idle carrier, and either no
 * searcher (it wakes one) or a searcher, which will itself re-check when it stops searching,
 * after its decrement. Yields re-queue locally without signalling: a yield adds no parallelism.
 * A thread made ready into a carrier's LIFO slot signals too: its waker may run on without
 * parking, and only a carrier woken to search would take the slot from it.
 *
 * <h2>Cores and carrier threads</h2>
 * The number of cores is fixed: it is the number of green threads that run at once. The
 * carrier threads are not (Go's M and P): a core whose carrier has been blocked in one slice for
 * a while, while ready threads wait and no carrier is idle, is taken by the monitor and handed
 * to a spare (started if none is parked, up to {@code maxCarriers} threads). The blocked
 * carrier finds out when it next touches the core; it then carries on without one: what it
 * makes ready goes to the global queue, and when its slice is over it parks as a spare. A
 * carrier busy in one slice is taken the same way once its time slice has been expired for as
 * long without reaching a check (code without checks); otherwise a busy carrier keeps its core.
 *
 * <p>Why a core is never used by two threads: only the holder pushes on a core's queue and
 * fills its LIFO slot. A core's {@code slice} field says whether its holder is inside a slice
 * (the only time its core may be taken), and the hand-over is a compare-and-set on it. The
 * holder enters a slice by a plain write (nobody else writes the field while it is between
 * slices); it leaves by a compare-and-set, and a push it makes inside a slice (a green thread
 * unparking another) is bracketed by a compare-and-set to PINNED and a write back. The monitor
 * takes the core by a compare-and-set from the holder to TAKEN. So the holder's owner
 * operations and the take are ordered: a failed compare-and-set tells the holder the core is
 * gone, before it touched the core, and the monitor never takes a pinned core. Between slices,
 * and while idle, a carrier's core cannot be taken, so the dispatch path and the wake protocol
 * pay nothing for it; a core's thread changes only while the core is in a slice, so a waker
 * that unparks an idle core's thread unparks the right one.
 *
 * <h2>Timers</h2>
 * One heap per dispatcher, under a lock (not on the yield path):
 * {@link dev.greenthreads.internal.scheduler.Timers}. A busy carrier fires due
 * timers when it dispatches; an idle one claims the <em>timed waiter</em> role, if nobody holds
 * it, and parks until the earliest deadline; the others park untimed. Adding an earlier timer
 * unparks the timed waiter; adding one when there is none nudges an idle carrier to take the
 * role; a timed waiter that leaves idle hands the role on the same way. A timer's entry is the
 * green thread itself, removed when the thread resumes, so an ended thread is never kept
 * reachable by its timer.
 *
 * <h2>Rules for code in this package</h2>
 * <ul>
 *   <li>Never suspend while holding a lock (the timer lock, a queue lock, a join spin lock).
 *       Locks here are {@code java.util.concurrent} locks or the
 *       {@link dev.greenthreads.internal.sync.SpinLock}, held for a few instructions; no
 *       {@code synchronized}.</li>
 *   <li>Nothing here refers to the public classes ({@code GreenThread}, {@code Scheduler}):
 *       they depend on this package, never the other way. Leaf types of the API
 *       ({@code Suspendable}, the body interfaces, {@code GreenCancelledException}) are its
 *       vocabulary and may be used.</li>
 *   <li>No {@code ThreadLocal} on a green thread's path: the current green thread is
 *       {@code FrameStack.current().owner()}, a field of the carrier.</li>
 *   <li>Nothing here may keep an ended green thread reachable: queues clear their slots, the
 *       timer heap removes entries, and the dispatcher's set of live threads (for hang reports)
 *       drops a thread when it ends.</li>
 * </ul>
 */
package dev.greenthreads.internal.scheduler;
