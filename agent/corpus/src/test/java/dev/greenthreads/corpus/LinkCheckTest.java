package dev.greenthreads.corpus;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The corpus test is only as good as its link check: these tests hand it a class that cannot
 * verify and show that it says so, for that class and no other.
 */
class LinkCheckTest {

    @TempDir
    Path dir;

    @Test
    void loadingAloneDoesNotVerifyButTheLinkCheckDoes() throws Exception {
        Path jar = jar("broken.jar", widget(false), fine());
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            assertDoesNotThrow(() -> Class.forName("corpus.check.Widget", false, loader),
                    "Class.forName(name, false, loader) should only load; if it verified, the link step would be redundant");
        }
        assertTrue(LinkCheck.verifierIsOn(), "this JVM runs without bytecode verification, so the corpus proves nothing");

        Map<String, LinkCheck.Outcome> outcomes = LinkCheck.link(jar, List.of(), LinkCheck.classesOf(jar).keySet());

        assertEquals(LinkCheck.Outcome.LINKED, outcomes.get("corpus.check.Fine"));
        LinkCheck.Outcome widget = outcomes.get("corpus.check.Widget");
        assertEquals(VerifyError.class.getName(), widget.error(), widget.firstLine());
    }

    @Test
    void reportsAVerifyErrorForExactlyTheClassThatBrokeInTheOutput() throws Exception {
        Path original = jar("original.jar", widget(true), fine());
        Path rewritten = jar("rewritten.jar", widget(false), fine());

        Map<String, LinkCheck.Outcome> before = LinkCheck.link(original, List.of(), LinkCheck.classesOf(original).keySet());
        Map<String, LinkCheck.Outcome> after = LinkCheck.link(rewritten, List.of(), LinkCheck.classesOf(rewritten).keySet());
        List<String> differences = LinkCheck.differences(before, after);

        assertEquals(1, differences.size(), differences.toString());
        assertTrue(differences.get(0).startsWith("corpus.check.Widget: original linked; rewritten java.lang.VerifyError: "),
                differences.get(0));
        assertTrue(!differences.get(0).contains("\n"), "one line per class: " + differences.get(0));
    }

    /**
     * {@code corpus.check.Widget.make()} allocates an Object and calls {@code hashCode()} on it.
     * Unless {@code initialised}, the constructor call is left out, so {@code hashCode()} is
     * invoked on an uninitialised object: the shape of a moved allocation gone wrong.
     */
    private static Entry widget(boolean initialised) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "corpus/check/Widget", null, "java/lang/Object", null);
        constructor(cw);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "make", "()I", null, null);
        mv.visitCode();
        mv.visitTypeInsn(Opcodes.NEW, "java/lang/Object");
        if (initialised) {
            mv.visitInsn(Opcodes.DUP);
            mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        }
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Object", "hashCode", "()I", false);
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return new Entry("corpus/check/Widget.class", cw.toByteArray());
    }

    private static Entry fine() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "corpus/check/Fine", null, "java/lang/Object", null);
        constructor(cw);
        cw.visitEnd();
        return new Entry("corpus/check/Fine.class", cw.toByteArray());
    }

    private static void constructor(ClassWriter cw) {
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    private record Entry(String name, byte[] bytes) {
    }

    private Path jar(String name, Entry... entries) throws IOException {
        Path jar = dir.resolve(name);
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            for (Entry e : entries) {
                out.putNextEntry(new JarEntry(e.name()));
                out.write(e.bytes());
                out.closeEntry();
            }
        }
        return jar;
    }
}
