package dev.greenthreads;

import dev.greenthreads.internal.scheduler.GreenStrand;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A variable with one value per green thread: {@code pthread_key_create},
 * {@code pthread_getspecific} and {@code pthread_setspecific}. A thread sees only the value it
 * set; an unset value is the initial-value supplier's (called once per thread, on the first
 * {@link #get()}), or null. Values are not inherited by the threads a thread starts, and are
 * dropped when the thread ends.
 *
 * <p>On a platform thread (outside any green thread) a {@code GreenLocal} works the same way
 * with one value per platform thread, like a {@link ThreadLocal}. A carrier's own value is
 * never visible to the green threads it runs.
 *
 * <p>Storage is a small array on each thread indexed by the local's number, so
 * {@link #get()} is two reads and no hashing. Each {@code GreenLocal} takes a number for the
 * life of the JVM: create them once (static fields), as pthread keys are meant to be.
 *
 * <p>A {@link ThreadLocal} is per green thread too (its maps are swapped onto the carrier for
 * each run of the thread that has any; README, "JDK calls in green threads"), which suits code
 * that was not written for green threads. For code that is, this is the faster choice: no
 * hashing, and nothing for the carrier to swap.
 *
 * @param <T> the type of the value
 */
public final class GreenLocal<T> {

    private static final AtomicInteger NUMBERS = new AtomicInteger();
    private static final ThreadLocal<Object[]> PLATFORM = new ThreadLocal<>();
    private static final Object[] NONE = {};
    /** Stored for a value explicitly set to null; a null slot means "unset". */
    private static final Object NULL = new Object();

    private final int index = NUMBERS.getAndIncrement();
    private final Supplier<? extends T> initialValue;

    /** A local whose unset value is null. */
    public GreenLocal() {
        this.initialValue = null;
    }

    /** A local whose unset value is {@code initialValue.get()}, computed once per thread. */
    public GreenLocal(Supplier<? extends T> initialValue) {
        this.initialValue = Objects.requireNonNull(initialValue, "initialValue");
    }

    public static <T> GreenLocal<T> withInitial(Supplier<? extends T> initialValue) {
        return new GreenLocal<>(initialValue);
    }

    /** The calling thread's value; on first use, the initial value, which is then kept. */
    @SuppressWarnings("unchecked")
    public T get() {
        Object[] table = table();
        Object v = index < table.length ? table[index] : null;
        if (v != null) {
            return v == NULL ? null : (T) v;
        }
        if (initialValue == null) {
            return null;
        }
        T initial = initialValue.get();
        set(initial);
        return initial;
    }

    public void set(T value) {
        Object[] table = table();
        if (index >= table.length) {
            table = Arrays.copyOf(table, Math.max(index + 1, Math.max(8, table.length * 2)));
            store(table);
        }
        table[index] = value == null ? NULL : value;
    }

    /** Forgets the calling thread's value: the next {@link #get()} computes the initial value again. */
    public void remove() {
        Object[] table = table();
        if (index < table.length) {
            table[index] = null;
        }
    }

    private static Object[] table() {
        GreenStrand me = GreenStrand.current();
        Object[] table = me != null ? me.locals() : PLATFORM.get();
        return table != null ? table : NONE;
    }

    private static void store(Object[] table) {
        GreenStrand me = GreenStrand.current();
        if (me != null) {
            me.locals(table);
        } else {
            PLATFORM.set(table);
        }
    }
}
