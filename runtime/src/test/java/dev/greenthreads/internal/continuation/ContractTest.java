package dev.greenthreads.internal.continuation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.contract.Contract;
import dev.greenthreads.contract.Member;
import dev.greenthreads.contract.RuntimeType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The runtime's side of the contract with the agent: every type and member that
 * {@link Contract} names exists in the runtime, public, with that descriptor and static-ness.
 * The agent compiles its emitters against the same constants, so what it writes into class
 * files resolves here. (The agent's corpus checks the other half: that the rewritten output
 * uses only members the contract names.)
 */
class ContractTest {

    @Test
    void everyTypeAndMemberOfTheContractResolvesInTheRuntime() throws Exception {
        Set<String> accounted = new TreeSet<>();
        List<String> wrong = new ArrayList<>();
        for (Field f : Contract.class.getDeclaredFields()) {
            if (f.isAnnotationPresent(RuntimeType.class)) {
                Class<?> type = Class.forName(((String) f.get(null)).replace('/', '.'));
                String desc = constant(f.getName() + "_DESC");
                if (!type.descriptorString().equals(desc) || !Modifier.isPublic(type.getModifiers())) {
                    wrong.add(f.getName() + ": " + desc + " is not the public " + type.descriptorString());
                }
                accounted.add(f.getName());
                accounted.add(f.getName() + "_DESC");
            }
            Member member = f.getAnnotation(Member.class);
            if (member != null) {
                Class<?> owner = Class.forName(constant(member.of()).replace('/', '.'));
                String name = (String) f.get(null), desc = constant(f.getName() + "_DESC");
                if (!resolves(owner, name, desc, member.isStatic())) {
                    wrong.add(f.getName() + ": no public " + (member.isStatic() ? "static " : "") + owner.getName() + "."
                            + name + " " + desc);
                }
                accounted.add(f.getName());
                accounted.add(f.getName() + "_DESC");
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals(FrameStack.RUNNING, Contract.FRAME_STACK_RUNNING, "rewritten code tests status against zero");
        accounted.add("FRAME_STACK_RUNNING");

        Set<String> all = new TreeSet<>();
        for (Field f : Contract.class.getDeclaredFields()) {
            assertTrue(Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers()), f.getName());
            all.add(f.getName());
        }
        all.removeAll(accounted);
        assertEquals(Set.of(), all, "constants of the contract that this test does not check");
    }

    private static String constant(String name) throws ReflectiveOperationException {
        return (String) Contract.class.getDeclaredField(name).get(null);
    }

    private static boolean resolves(Class<?> owner, String name, String desc, boolean isStatic) {
        if (desc.startsWith("(")) {
            for (Method m : owner.getMethods()) {
                if (m.getName().equals(name) && descriptor(m).equals(desc) && Modifier.isStatic(m.getModifiers()) == isStatic) {
                    return true;
                }
            }
            return false;
        }
        for (Field f : owner.getFields()) {
            if (f.getName().equals(name) && f.getType().descriptorString().equals(desc)
                    && Modifier.isStatic(f.getModifiers()) == isStatic) {
                return true;
            }
        }
        return false;
    }

    private static String descriptor(Method m) {
        StringBuilder b = new StringBuilder("(");
        for (Class<?> p : m.getParameterTypes()) {
            b.append(p.descriptorString());
        }
        return b.append(')').append(m.getReturnType().descriptorString()).toString();
    }
}
