package dev.greenthreads.agent;

/** The runtime's names that the rewrite depends on, in internal form. The agent never loads them. */
final class Names {

    static final String SUSPENDABLE = "Ldev/greenthreads/Suspendable;";
    static final String SUSPENDABLE_RUNNABLE = "dev/greenthreads/SuspendableRunnable";
    static final String SUSPENDABLE_CALLABLE = "dev/greenthreads/SuspendableCallable";

    static final String FRAME_STACK = "dev/greenthreads/internal/continuation/FrameStack";
    static final String FRAME_STACK_DESC = "L" + FRAME_STACK + ";";
    static final String INSTRUMENTED = "Ldev/greenthreads/internal/continuation/Instrumented;";

    /** The one primitive suspension: a call to it is a suspendable call site. */
    static final String SUSPEND = "suspend";
    static final String SUSPEND_DESC = "()V";

    /** The system property through which the agent tells the runtime why it refused a method. */
    static final String REFUSALS_PROPERTY = "dev.greenthreads.agent.refusals";

    private Names() {
    }
}
