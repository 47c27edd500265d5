/**
 * pthreads synchronisation for green and platform threads: {@link dev.greenthreads.sync.Mutex},
 * {@link dev.greenthreads.sync.Cond}, {@link dev.greenthreads.sync.RwLock},
 * {@link dev.greenthreads.sync.Semaphore}, {@link dev.greenthreads.sync.Barrier},
 * {@link dev.greenthreads.sync.Once}. A green thread that waits parks (its carrier runs others);
 * a platform thread blocks. Where their documentation is silent they behave as their pthreads
 * namesakes (POSIX.1-2017); each class says where and why it differs.
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>Strand</b> ({@code internal.scheduler.Strand}): a green or platform thread; the owner
 *       of a lock and the thing that parks. {@code Strand.current()} is one object per thread,
 *       so owners compare by identity.</li>
 *   <li><b>Wait queue</b> ({@code WaitQueue}): each primitive's FIFO of
 *       <b>waiters</b> and the spin lock guarding it. The lock is held for a few instructions and
 *       never across a park, an unpark or user code. The queue is intrusive: a waiter is its
 *       strand, whose {@code wait*} fields are its node, since a strand waits in one queue at a
 *       time; so a wait allocates nothing, and nothing a waiter may run while linked (user code
 *       included) may wait in a queue.</li>
 *   <li><b>Status</b> of a waiter: WAITING, then GRANTED (what it waited for was given to it:
 *       a handed-over lock, a signal, a permit, a barrier trip) or WOKEN (released to compete
 *       again). Whoever unlinks a waiter it serves sets it: under the queue lock for a waiter
 *       served alone; after the lock for waiters served together ({@code Cond.broadcast}, a
 *       barrier's trip, {@code Once}, an {@code RwLock}'s readers), which stay chained through
 *       their nodes' {@code waitNext} until {@code WaitQueue.unparkAll} reaches each, reads its link to the next and
 *       only then sets its status. Setting the status is the last write anyone else makes to the
 *       node: once the waiter sees it, it may wait again, elsewhere, with the same fields.</li>
 *   <li><b>Hand-off</b>: a releaser gives the resource to a waiter directly, so that nobody can
 *       take it in between. <b>Barging</b>: a newcomer takes a resource a woken waiter was
 *       about to compete for.</li>
 * </ul>
 *
 * <h2>Why no wake-up is lost</h2>
 * Every wait follows one protocol. The waiter links itself into the queue <em>under the queue
 * lock</em>, having checked there (or, for {@code Mutex} and {@code Semaphore}, by a CAS that
 * sets a WAITERS bit in the same word as the lock or the count) that it must wait; then it parks
 * until its status leaves WAITING. A releaser changes the resource and, if waiters exist, takes
 * the queue lock, unlinks the waiter(s) it serves, sets their status, lets go of the lock and
 * only then unparks them. So a waiter is either linked before the releaser looks (the releaser
 * finds it) or looks after the release (and does not wait). The park itself cannot miss the
 * unpark: {@code Strand}'s permit keeps an unpark that comes before the park. Parks may return
 * spuriously; every waiter re-reads its status and parks again.
 *
 * <p>A waiter that gives up (a timeout, a cancellation) takes the queue lock and unlinks
 * itself. If it is no longer linked, a releaser served it first: it waits, without cancellation,
 * until its status says so ({@code WaitQueue.awaitTold}: a releaser serving several may not have
 * reached it yet), then acts as served (it owns the lock, has the permit, was signalled, was
 * released by the barrier) rather than losing what was given. When its leaving unblocks others ({@code RwLock}: a writer at the head), it grants
 * them before it lets go of the lock.
 *
 * <h2>Fairness</h2>
 * No waiter starves under steady contention:
 * <ul>
 *   <li>{@code Mutex}: barging with bounded bypass. An unlock wakes the first waiter without
 *       handing over (and wakes nobody while a woken waiter is still on its way); a woken waiter
 *       that finds the mutex taken goes back to the head, and once it has lost this way
 *       {@code Mutex.BYPASS_LIMIT} (4) times the next unlock hands the mutex to it directly. A
 *       waiter is passed over at most that many times at the head, in passings, not in
 *       acquisitions: a thread relocking in a loop may take the mutex many times during one.</li>
 *   <li>{@code Semaphore}: strict FIFO hand-off; while anyone waits the count is zero.</li>
 *   <li>{@code RwLock}: FIFO over readers and writers; readers adjacent at the head are granted
 *       together; a new reader queues behind a queued writer (except a thread that already
 *       holds a read lock, which POSIX lets re-enter).</li>
 *   <li>{@code Cond}: FIFO wake-up; {@code Once} and {@code Barrier}: all waiters together.</li>
 * </ul>
 *
 * <h2>Cancellation</h2>
 * Cancellation is deferred ({@code GreenThread.cancel()}; on a platform thread, an interrupt).
 * The cancellation points here are {@code Cond.await}, {@code Barrier.await},
 * {@code Semaphore.acquire} and {@code Semaphore.tryAcquire(Duration)}. Each acts on a request
 * pending at entry; a request while parked wakes the waiter at once, which leaves the queue,
 * undoes its part ({@code Cond.await} re-acquires the mutex; {@code Barrier.await} withdraws its
 * arrival) and throws {@code GreenCancelledException}. If it was served at the same moment, it
 * returns normally and the request waits for the next cancellation point, so nothing given to
 * it is lost. Every other wait ({@code Mutex}, {@code RwLock}, {@code Once}) ignores cancellation
 * and, on a platform thread, clears the interrupt while it waits and sets it again after.
 *
 * <h2>Deadlocks</h2>
 * A {@code Mutex.lock}, {@code RwLock.writeLock} or untimed {@code GreenThread.join} that would
 * close a cycle of threads, each waiting for a lock or the end of the next, throws
 * {@code GreenDeadlockException} in the caller instead of waiting, naming each thread, lock and
 * site of the cycle. The wait-for graph and the proof that a reported cycle is real are in
 * {@code internal.scheduler.WaitsFor}. Only a wait that has to park looks at the graph; a lock
 * taken at once does not. Green and platform threads take part alike.
 * <p>Detected: cycles of at most 64 threads through mutexes, through rwlocks held to write or
 * held to read by one thread, and through joins. Not detected, on purpose or for cost:
 * <ul>
 *   <li>Timed waits ({@code tryLock(d)}, {@code tryWriteLock(d)}, {@code join(d)}): they end
 *       anyway, and are not part of the graph, so a cycle through one is not a deadlock.</li>
 *   <li>An rwlock held to read by several threads (following them all would need a snapshot of
 *       the holders on every contended wait), and a wait blocked only by waiters queued ahead
 *       (FIFO) rather than by a holder.</li>
 *   <li>A cycle that a {@code readLock} or {@code Cond.await}'s reacquisition of its mutex
 *       closes: both are part of the graph that others' checks follow, but never refuse
 *       ({@code readLock} is not one of the refusing calls; {@code Cond.await} must return
 *       holding its mutex). Nobody else re-checks, so such a cycle stays.</li>
 *   <li>Waits with no holder: {@code Cond}, {@code Semaphore}, {@code Barrier}, {@code Once}.</li>
 * </ul>
 * A green thread that ends holding a mutex is reported once, to its scheduler's
 * uncaught-exception handler, when a thread first waits for that mutex: every thread that locks
 * it from then on waits for ever. Not when the thread ends: to know then which mutexes it holds,
 * every uncontended lock and unlock would have to record it in the thread, which measurably
 * slows them; a mutex that nobody waits for again harms nobody.
 *
 * <h2>Rules for code in this package</h2>
 * Every method that may park is {@code @Suspendable}. Never park, unpark or run user code
 * while holding a queue lock; no {@code synchronized}. Timeouts are measured with
 * {@code Strand.nanoTime()}, so that they are virtual under a deterministic scheduler.
 */
package dev.greenthreads.sync;
