package dev.greenthreads.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Proxy;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What premain tells the runtime, which reads system properties: the agent and the runtime share no other channel. */
class AgentPremainTest {

    private Properties saved;

    @BeforeEach
    void save() {
        saved = (Properties) System.getProperties().clone();
    }

    @AfterEach
    void restore() {
        System.setProperties(saved);
    }

    /** An instrumentation that accepts every call and does nothing: premain only registers itself. */
    private static Instrumentation inert() {
        return (Instrumentation) Proxy.newProxyInstance(Instrumentation.class.getClassLoader(),
                new Class<?>[] {Instrumentation.class}, (proxy, method, args) -> method.getReturnType() == boolean.class
                        ? Boolean.FALSE : null);
    }

    @Test
    void pinnedFailTellsTheRuntimeToRefusePinning() {
        System.clearProperty("greenthreads.pinned");
        Agent.premain("pinned=fail", inert());
        assertEquals("fail", System.getProperty("greenthreads.pinned"));
    }

    @Test
    void withoutTheOptionTheRuntimePins() {
        System.clearProperty("greenthreads.pinned");
        Agent.premain("verify", inert());
        assertNull(System.getProperty("greenthreads.pinned"));
    }
}
