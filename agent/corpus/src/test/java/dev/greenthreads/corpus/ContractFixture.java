package dev.greenthreads.corpus;

import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableRunnable;

/**
 * Code in every shape the rewrite handles, so that the rewritten class file names every member
 * of the runtime's {@code FrameStack} the agent emits: locals of each kind saved and restored
 * around a suspendable call, an interface call, a constructor whose argument suspends, a call
 * inside {@code synchronized} (pinned), a plain call checked by verification. Never run: the
 * contract test only rewrites and reads it.
 */
class ContractFixture {

    Object sink;

    ContractFixture(SuspendableRunnable body) throws Exception {
        sink = body;
        step();
    }

    @Suspendable
    static int work(SuspendableRunnable body, int i, long l, float f, double d, String s) throws Exception {
        body.run();
        step();
        Object made = new StringBuilder(text());
        return i + (int) l + (int) f + (int) d + s.length() + made.hashCode() + String.valueOf(plain()).length();
    }

    @Suspendable
    static void step() {
        dev.greenthreads.GreenThread.yield();
    }

    @Suspendable
    static String text() {
        step();
        return "t";
    }

    @Suspendable
    static void synchronizedWork(SuspendableRunnable body) throws Exception {
        synchronized (ContractFixture.class) {
            body.run();
        }
    }

    static Object plain() {
        return new Object().toString();
    }
}
