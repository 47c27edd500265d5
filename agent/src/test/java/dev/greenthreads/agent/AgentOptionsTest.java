package dev.greenthreads.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

class AgentOptionsTest {

    @Test
    void defaultsVerifyAndNothingElse() {
        AgentOptions o = AgentOptions.parse(null);
        assertTrue(o.verify);
        assertFalse(o.trace);
        assertEquals(null, o.dump);
    }

    @Test
    void parsesEveryOption() {
        AgentOptions o = AgentOptions.parse("verify=false,trace,dump=/tmp/x,include=com.example.**,exclude=com.example.gen.*");
        assertFalse(o.verify);
        assertTrue(o.trace);
        assertEquals(Paths.get("/tmp/x"), o.dump);
        assertTrue(o.included("com/example/a/B"));
        assertFalse(o.included("com/examples/B"));
        assertFalse(o.included("com/example/gen/Made"), "exclude wins");
        assertTrue(o.included("com/example/gen/sub/Made"), "a single star does not reach subpackages");
    }

    @Test
    void anUnknownOptionIsAnErrorThatListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("verbose"));
        assertTrue(e.getMessage().contains("'verbose'") && e.getMessage().contains("include="), e.getMessage());
    }

    @Test
    void monitorsIsOffByDefaultAndParsedAndListedAmongTheOptions() {
        assertFalse(AgentOptions.parse(null).monitors, "synchronized pins unless asked");
        assertTrue(AgentOptions.parse("monitors").monitors);
        assertTrue(AgentOptions.parse("verify,monitors=true").monitors);
        assertFalse(AgentOptions.parse("monitors=false").monitors);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("monitor"));
        assertTrue(e.getMessage().contains("monitors"), e.getMessage());
    }

    @Test
    void anOptionWithoutItsValueSaysWhatItNeeds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("include="));
        assertTrue(e.getMessage().contains("include=..."), e.getMessage());
    }

    @Test
    void includingAJdkPackageIsAnErrorThatSaysWhy() {
        for (String jdk : new String[] {"java.util.**", "java.util.*", "javax.net.ssl.**", "jdk.internal.**"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AgentOptions.parse("include=" + jdk));
            assertTrue(e.getMessage().startsWith("greenthreads agent option 'include=" + jdk + "' names JDK classes"),
                    e.getMessage());
        }
        assertTrue(AgentOptions.parse("include=javalin.**").included("javalin/Server"), "only the JDK's own packages");
        assertTrue(AgentOptions.parse("include=com.sun.jna.**").included("com/sun/jna/Native"), "JNA is no JDK package");
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("include=java.**"));
        assertTrue(AgentOptions.parse("include=org.**").included("org/codehaus/groovy/Foo"),
                "a broad pattern that also covers libraries is no error: its JDK part is never rewritten");
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("include=java.lang.String"));
    }

    @Test
    void pinnedFailTurnsPinningIntoRefusalAndTakesNoOtherValue() {
        assertFalse(AgentOptions.parse(null).pinnedFail, "pinning is the default");
        assertTrue(AgentOptions.parse("pinned=fail").pinnedFail);
        assertFalse(AgentOptions.parse("pinned=pin").pinnedFail);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("pinned=error"));
        assertTrue(e.getMessage().startsWith("greenthreads agent option 'pinned=error' takes fail"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("pined=fail")).getMessage()
                .contains("pinned=fail"), "the known options name it");
    }

    @Test
    void aValueThatIsNeitherTrueNorFalseIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("verify=ture"));
        assertTrue(e.getMessage().startsWith("greenthreads agent option 'verify=ture' takes true or false"), e.getMessage());
    }

    @Test
    void theAgentSkipsOnlyTheWrongOptionsAndKeepsTheRest() {
        java.util.List<String> errors = new java.util.ArrayList<>();
        AgentOptions o = AgentOptions.parse("include=java.util.**,includ=com.example.**,include=com.example.**,trace",
                e -> errors.add(e.getMessage()));
        assertEquals(2, errors.size(), errors.toString());
        assertTrue(o.included("com/example/Service"), "the right include= still applies");
        assertTrue(o.trace);
    }
}
