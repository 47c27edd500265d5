package dev.greenthreads.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.contract.Contract;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;

/** The offline instrumenter on hand-built jars and directories, and its command line. */
class InstrumenterTest {

    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();
    private final Instrumenter.Messages messages = new Instrumenter.Messages() {
        @Override
        public void info(String line) {
        }

        @Override
        public void warn(String line) {
            warnings.add(line);
        }
    };

    /** {@code class NAME extends SUPER { [@Suspendable] public void m() { [FrameStack.suspend();] } }} */
    private static byte[] type(String name, String superName, boolean marked, boolean suspends) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, name, null, superName, null);
        MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, superName, "<init>", "()V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, "m", "()V", null, null);
        if (marked) {
            mv.visitAnnotation(Contract.SUSPENDABLE_DESC, true).visitEnd();
        }
        mv.visitCode();
        if (suspends) {
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, Contract.FRAME_STACK, Contract.FRAME_STACK_SUSPEND, Contract.FRAME_STACK_SUSPEND_DESC, false);
        }
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    private static byte[] suspending(String name) {
        return type(name, "java/lang/Object", true, true);
    }

    private static boolean isRewritten(byte[] classFile) {
        ClassNode cn = new ClassNode();
        new ClassReader(classFile).accept(cn, ClassReader.SKIP_CODE);
        return cn.visibleAnnotations != null
                && cn.visibleAnnotations.stream().map((AnnotationNode a) -> a.desc).anyMatch(Contract.INSTRUMENTED_DESC::equals);
    }

    private static final String MANIFEST = "Manifest-Version: 1.0\r\nMulti-Release: true\r\n\r\n";

    /** A jar with exactly these entries in this order; a null value is a directory entry. */
    private Path jar(String name, Map<String, byte[]> entries) throws IOException {
        Path jar = dir.resolve(name);
        try (OutputStream file = Files.newOutputStream(jar); ZipOutputStream out = new ZipOutputStream(file)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                if (e.getValue() != null) {
                    out.write(e.getValue());
                }
                out.closeEntry();
            }
        }
        return jar;
    }

    private static Map<String, byte[]> read(Path jar) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile file = new ZipFile(jar.toFile())) {
            for (ZipEntry e : Collections.list(file.entries())) {
                try (InputStream in = file.getInputStream(e)) {
                    entries.put(e.getName(), e.isDirectory() ? null : in.readAllBytes());
                }
            }
        }
        return entries;
    }

    @Test
    void multiReleaseJarRewritesEachVersionAgainstItsOwnAndLowerVersionsClasses() throws IOException {
        // Sub.m overrides Base.m. Only the Base of versions/9 marks m, so a JDK 11 loading
        // versions/11's Sub sees it overriding a suspendable method; the base Sub does not.
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("META-INF/MANIFEST.MF", MANIFEST.getBytes(StandardCharsets.UTF_8));
        entries.put("test/Base.class", type("test/Base", "java/lang/Object", false, false));
        entries.put("test/Sub.class", type("test/Sub", "test/Base", false, true));
        entries.put("META-INF/versions/9/test/Base.class", type("test/Base", "java/lang/Object", true, false));
        entries.put("META-INF/versions/11/test/Sub.class", type("test/Sub", "test/Base", false, true));
        entries.put("META-INF/versions/11/test/Own.class", suspending("test/Own"));
        Path in = jar("mr.jar", entries), out = dir.resolve("out/mr.jar");

        Instrumenter.Summary summary = Instrumenter.create(List.of(), null).instrument(in, out, messages);

        Map<String, byte[]> written = read(out);
        assertTrue(isRewritten(written.get("META-INF/versions/11/test/Sub.class")), "the versioned Sub is rewritten");
        assertTrue(isRewritten(written.get("META-INF/versions/11/test/Own.class")));
        assertFalse(isRewritten(written.get("test/Sub.class")), "the base Sub overrides nothing suspendable");
        assertEquals(Set.of(0, 9, 11), summary.perVersion().keySet());
        assertEquals(new Instrumenter.Counts(2, 0, 0, 0), summary.perVersion().get(0));
        assertEquals(new Instrumenter.Counts(2, 2, 2, 0), summary.perVersion().get(11));
        assertEquals(5, summary.classesRead());
        assertTrue(summary.toString().contains("META-INF/versions/11 2 read, 2 rewritten (2 methods), 0 left"), summary.toString());
    }

    @Test
    void anUnreadableClassIsCopiedAsItWasAndNamedWhileTheRestIsWritten() throws IOException {
        byte[] garbage = "not a class file at all".getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("test/Garbage.class", garbage);
        entries.put("test/Fixture.class", suspending("test/Fixture"));
        Path in = jar("bad.jar", entries), out = dir.resolve("bad-out.jar");

        Instrumenter.Summary summary = Instrumenter.create(List.of(), null).instrument(in, out, messages);

        Map<String, byte[]> written = read(out);
        assertArrayEquals(garbage, written.get("test/Garbage.class"));
        assertTrue(isRewritten(written.get("test/Fixture.class")));
        assertEquals(1, summary.leftAsTheyWere().size());
        Instrumenter.Left left = summary.leftAsTheyWere().get(0);
        assertEquals("test/Garbage.class", left.entry());
        assertTrue(left.reason().startsWith("cannot read it as a class file"), left.reason());
        assertEquals(new Instrumenter.Counts(2, 1, 1, 1), summary.total());
        assertTrue(warnings.stream().anyMatch(w -> w.startsWith("left test/Garbage.class as it was: ")), warnings.toString());
    }

    @Test
    void theOutputJarKeepsDirectoryEntriesAndOrderWithTheManifestFirstAndDropsSignatures() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("test/", null);
        entries.put("test/Fixture.class", suspending("test/Fixture"));
        entries.put("META-INF/", null);
        entries.put("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        entries.put("META-INF/SIGNER.SF", new byte[] {1});
        entries.put("META-INF/SIGNER.RSA", new byte[] {2});
        entries.put("res/", null);
        entries.put("res/a.txt", "a".getBytes(StandardCharsets.UTF_8));
        Path in = jar("dirs.jar", entries), out = dir.resolve("dirs-out.jar");

        Instrumenter.Summary summary = Instrumenter.create(List.of(), null).instrument(in, out, messages);

        assertEquals(List.of("META-INF/", "META-INF/MANIFEST.MF", "test/", "test/Fixture.class", "res/", "res/a.txt"),
                new ArrayList<>(read(out).keySet()));
        assertEquals(List.of("META-INF/SIGNER.SF", "META-INF/SIGNER.RSA"), summary.dropped());
        assertEquals(2, warnings.stream().filter(w -> w.startsWith("dropped META-INF/SIGNER.")).count(), warnings.toString());
        try (JarInputStream jar = new JarInputStream(Files.newInputStream(out))) {
            assertNotNull(jar.getManifest(), "the manifest is where JarInputStream looks for it");
        }
    }

    @Test
    void aJarRewrittenInPlaceIsReplacedWhole() throws IOException {
        Path jar = jar("same.jar", Map.of("test/Fixture.class", suspending("test/Fixture")));

        Instrumenter.create(List.of(), null).instrument(jar, jar, messages);

        assertTrue(isRewritten(read(jar).get("test/Fixture.class")));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(jar), files.toList(), "no temporary file is left beside it");
        }
    }

    @Test
    void aDirectoryRewrittenInPlaceHasOnlyItsRewrittenClassesWritten() throws IOException {
        Path classes = Files.createDirectories(dir.resolve("classes/test"));
        Files.write(classes.resolve("Fixture.class"), suspending("test/Fixture"));
        Files.write(classes.resolve("Plain.class"), type("test/Plain", "java/lang/Object", false, false));
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(classes.resolve("Plain.class"), old);
        Path root = dir.resolve("classes");

        Instrumenter.Summary summary = Instrumenter.create(List.of(), null).instrument(root, root, messages);

        assertTrue(isRewritten(Files.readAllBytes(classes.resolve("Fixture.class"))));
        assertEquals(old, Files.getLastModifiedTime(classes.resolve("Plain.class")));
        assertEquals(new Instrumenter.Counts(2, 1, 1, 0), summary.total());

        Instrumenter.Summary again = Instrumenter.create(List.of(), null).instrument(root, root, messages);
        assertEquals(0, again.classesRewritten(), "classes already rewritten are recognised");
    }

    @Test
    void suspendableMethodsOnTheClassPathAreRecognised() throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib/test"));
        Files.write(lib.resolve("Base.class"), type("test/Base", "java/lang/Object", true, false));
        Path app = Files.createDirectories(dir.resolve("app/test"));
        Files.write(app.resolve("Sub.class"), type("test/Sub", "test/Base", false, true));

        Instrumenter.Summary without = Instrumenter.create(List.of(), null).instrument(dir.resolve("app"), dir.resolve("a"), messages);
        Instrumenter.Summary with = Instrumenter.create(List.of(dir.resolve("lib")), null)
                .instrument(dir.resolve("app"), dir.resolve("b"), messages);

        assertEquals(0, without.classesRewritten());
        assertEquals(1, with.classesRewritten());
    }

    @Test
    void aMisspeltOptionIsRejectedWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Instrumenter.create(List.of(), "includ=a.**"));
        assertTrue(e.getMessage().contains("'includ=a.**'") && e.getMessage().contains("include="), e.getMessage());
    }

    // The command line

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();

    private int main(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String firstErrorLine() {
        return err.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("");
    }

    @Test
    void commandLineUsageErrorsExitTwoWithWhatWentWrongFirst() throws IOException {
        Path in = jar("cli.jar", Map.of("test/Fixture.class", suspending("test/Fixture")));
        String target = dir.resolve("cli-out.jar").toString();

        assertEquals(2, main("instrument", in.toString(), target, "includ=test.**"));
        assertTrue(firstErrorLine().startsWith("greenthreads instrument: unknown greenthreads agent option 'includ=test.**'"), firstErrorLine());
        err.reset();
        assertEquals(2, main("instrument", "--clsspath", "x", in.toString(), target));
        assertTrue(firstErrorLine().contains("unknown flag '--clsspath'"), firstErrorLine());
        err.reset();
        assertEquals(2, main("instrument", dir.resolve("missing.jar").toString(), target));
        assertTrue(firstErrorLine().contains("missing.jar does not exist"), firstErrorLine());
        err.reset();
        assertEquals(2, main("instrument", in.toString()));
        assertTrue(firstErrorLine().contains("IN and OUT are needed"), firstErrorLine());
        err.reset();
        assertEquals(2, main("instrment", in.toString(), target));
        assertTrue(firstErrorLine().contains("unknown command 'instrment'"), firstErrorLine());
        assertFalse(Files.exists(Path.of(target)));
    }

    @Test
    void commandLinePrintsTheSummaryAndExitsZeroEvenWithAClassLeftAsItWas() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("test/Garbage.class", new byte[] {(byte) 0xCA, (byte) 0xFE});
        entries.put("test/Fixture.class", suspending("test/Fixture"));
        Path in = jar("cli.jar", entries);
        Path target = dir.resolve("cli-out.jar");

        assertEquals(0, main("instrument", "--classpath", dir.toString(), in.toString(), target.toString(), "verify,trace"));

        assertEquals("greenthreads instrument: " + in + " -> " + target + ": 2 classes read, 1 rewritten (1 methods), 1 left as they were",
                out.toString(StandardCharsets.UTF_8).strip());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("WARNING: left test/Garbage.class as it was: cannot read it"));
        assertTrue(isRewritten(read(target).get("test/Fixture.class")));
    }
}
