/**
 * Locking shared by the scheduler, {@code dev.greenthreads.sync} and {@code dev.greenthreads.io}:
 * the one {@link dev.greenthreads.internal.sync.SpinLock} that guards every waiter list of the
 * runtime (a green thread's joiners, a wait queue, a channel's waiters).
 *
 * <p>The rule it exists for: waiter lists are touched for a few instructions and never across a
 * park, an unpark or a suspension; whoever takes waiters off a list under the lock unparks them
 * after releasing it.
 *
 * <p>The lists themselves are not one type, on purpose. {@code sync}'s wait queue is a FIFO with
 * O(1) unlinking, a size, and a volatile head that {@code Cond.signal} reads without the lock; a
 * join list and a channel's waiter list are unordered stacks with a plain head, almost always
 * one or two long, taken whole or filtered by operation. One type for all three would either
 * put a volatile store (a full fence) on every join and every I/O wait, both hot paths, or leave
 * the condition variable's lock-free check without the ordering it relies on.
 */
package dev.greenthreads.internal.sync;
