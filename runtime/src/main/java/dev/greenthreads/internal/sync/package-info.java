/**
 * Locking shared by the scheduler, {@code dev.greenthreads.sync} and {@code dev.greenthreads.io}:
 * the one {@link dev.greenthreads.internal.sync.SpinLock} that guards every waiter list of the
 * runtime (a strand's joiners, a wait queue, a channel's waiters).
 *
 * <p>The rule it exists for: waiter lists are touched for a few instructions and never across a
 * park, an unpark or a suspension; whoever takes waiters off a list under the lock unparks them
 * after releasing it.
 */
package dev.greenthreads.internal.sync;
