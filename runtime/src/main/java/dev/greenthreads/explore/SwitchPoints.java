package dev.greenthreads.explore;

/** Where the explorer may switch from one green thread to another. */
public enum SwitchPoints {

    /**
     * Thread and synchronisation operations: start, join, yield, sleep, every {@code Mutex},
     * {@code Cond}, {@code RwLock}, {@code Semaphore}, {@code Barrier} and {@code Once} operation,
     * and green socket calls. The waiting ones switch before they start, those that acquire
     * (lock, acquire, await) also once they hold; those that never wait (unlock, signal, tryLock,
     * release, start) are recorded, and switch at the thread's switch points before and after.
     */
    SYNC,

    /**
     * Also before every read and write of a non-final field or an array element in rewritten
     * code: what finds a data race such as {@code total += value} with no lock at all. Needs the
     * agent option {@code fields} ({@code -javaagent:greenthreads-agent.jar=fields}), which
     * inserts those switch points; asking for it without the option fails at once.
     */
    SHARED_FIELDS
}
