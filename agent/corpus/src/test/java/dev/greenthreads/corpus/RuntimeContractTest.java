package dev.greenthreads.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.contract.Contract;
import dev.greenthreads.contract.Member;
import dev.greenthreads.internal.continuation.Refused;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The agent and the runtime agree on {@code FrameStack}'s members through the names and
 * descriptors of {@link Contract}, which both compile against and the runtime's own
 * {@code ContractTest} resolves. This closes the loop from the output side: it rewrites
 * {@link ContractFixture} with the agent jar, as a user would, and checks that every member of
 * {@code FrameStack} the output uses is one the contract names and resolves against the runtime
 * by reflection (same name, descriptor and static-ness, public). A member emitted outside the
 * contract, or a rename on either side, fails here, not with a {@code NoSuchMethodError} in an
 * application. It also checks that a refusal survives offline rewriting: the fixture's
 * constructor, pinned, carries {@code @Refused} in the output, readable once the class is loaded.
 */
class RuntimeContractTest {

    private static final String FRAME_STACK = Contract.FRAME_STACK;

    @Test
    void everyFrameStackMemberTheRewriteEmitsExistsInTheRuntime() throws Exception {
        Path dir = Files.createTempDirectory("contract");
        Path in = dir.resolve("in.jar"), out = dir.resolve("out.jar");
        try (var jar = new java.util.jar.JarOutputStream(Files.newOutputStream(in))) {
            for (String name : List.of("ContractFixture")) {
                String entry = "dev/greenthreads/corpus/" + name + ".class";
                jar.putNextEntry(new java.util.jar.JarEntry(entry));
                try (InputStream bytes = getClass().getClassLoader().getResourceAsStream(entry)) {
                    bytes.transferTo(jar);
                }
                jar.closeEntry();
            }
        }
        OfflineInstrumenter.Run run = OfflineInstrumenter.instrument(RealJarsTest.requiredFile("greenthreads.agent.jar"),
                List.of(RealJarsTest.requiredFile("greenthreads.runtime.jar")), in, out, "verify", dir.resolve("log.txt"));
        assertEquals(0, run.exitCode(), run.lastLines(20));
        assertEquals(1, run.rewritten(), run.lastLines(20));

        List<String[]> used = new ArrayList<>(); // kind, name, descriptor
        byte[] bytes;
        try (JarFile jar = new JarFile(out.toFile())) {
            bytes = jar.getInputStream(jar.getJarEntry("dev/greenthreads/corpus/ContractFixture.class")).readAllBytes();
        }
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String n, String d, boolean itf) {
                        if (owner.equals(FRAME_STACK)) {
                            used.add(new String[] {opcode == Opcodes.INVOKESTATIC ? "static" : "instance", n, d});
                        }
                    }

                    @Override
                    public void visitFieldInsn(int opcode, String owner, String n, String d) {
                        if (owner.equals(FRAME_STACK)) {
                            used.add(new String[] {opcode == Opcodes.GETSTATIC || opcode == Opcodes.PUTSTATIC
                                    ? "static field" : "field", n, d});
                        }
                    }
                };
            }
        }, 0);

        Set<String> contract = new TreeSet<>(); // "static name desc" or "instance name desc"
        for (Field f : Contract.class.getDeclaredFields()) {
            Member m = f.getAnnotation(Member.class);
            if (m != null && m.of().equals("FRAME_STACK")) {
                contract.add((m.isStatic() ? "static " : "instance ") + f.get(null) + " "
                        + Contract.class.getDeclaredField(f.getName() + "_DESC").get(null));
            }
        }
        Class<?> frameStack = Class.forName(FRAME_STACK.replace('/', '.'));
        Set<String> names = new TreeSet<>(), missing = new TreeSet<>(), outsideContract = new TreeSet<>();
        for (String[] member : used) {
            names.add(member[1]);
            boolean isStatic = member[0].startsWith("static");
            if (!contract.contains((isStatic ? "static " : "instance ") + member[1] + " " + member[2])) {
                outsideContract.add(member[0] + " " + member[1] + member[2]);
            }
            boolean found = false;
            if (member[0].endsWith("field")) {
                for (Field f : frameStack.getFields()) {
                    found |= f.getName().equals(member[1]) && Type.getDescriptor(f.getType()).equals(member[2])
                            && Modifier.isStatic(f.getModifiers()) == isStatic;
                }
            } else {
                for (Method m : frameStack.getMethods()) {
                    found |= m.getName().equals(member[1]) && Type.getMethodDescriptor(m).equals(member[2])
                            && Modifier.isStatic(m.getModifiers()) == isStatic;
                }
            }
            if (!found) {
                missing.add(member[0] + " " + member[1] + member[2]);
            }
        }
        assertTrue(missing.isEmpty(), "the rewrite emits members FrameStack does not have (public): " + missing);
        assertTrue(outsideContract.isEmpty(), "the rewrite emits members the contract does not name: " + outsideContract);
        assertTrue(names.containsAll(Set.of("current", "status", "enter", "save", "keep", "frameIndex", "pushInt",
                "pushLong", "pushFloat", "pushDouble", "pushRef", "popInt", "popLong", "popFloat", "popDouble", "popRef",
                "passedThrough", "pin", "unpin")), "the fixture no longer exercises the whole contract: " + names);

        Class<?> rewritten = new ClassLoader(getClass().getClassLoader()) {
            Class<?> define() {
                return defineClass("dev.greenthreads.corpus.ContractFixture", bytes, 0, bytes.length);
            }
        }.define();
        Refused refused = rewritten.getDeclaredConstructor(dev.greenthreads.SuspendableRunnable.class).getAnnotation(Refused.class);
        assertTrue(refused != null && refused.value().equals("the constructor cannot suspend"),
                "the refusal recorded at build time, read at run time: " + refused);
    }
}
