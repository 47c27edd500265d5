package dev.greenthreads.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The goals' logic on a directory of javac-compiled classes, without a Maven build around them. */
class InstrumentMojoTest {

    /** What the rewrite adds to every class it rewrote (the runtime's Instrumented annotation). */
    private static final String MARKER = "Ldev/greenthreads/internal/continuation/Instrumented;";

    @TempDir
    Path dir;

    private final List<String> infos = new ArrayList<>(), warnings = new ArrayList<>();

    /** Compiles {@code demo.Work} (a() calls b()) and {@code other.Plain} into DIR/classes. */
    private Path compiled() throws IOException {
        Path sources = Files.createDirectories(dir.resolve("src"));
        Path work = Files.writeString(Files.createDirectories(sources.resolve("demo")).resolve("Work.java"),
                "package demo; public class Work { public int a() { return b() + 1; } public int b() { return 2; } }");
        Path plain = Files.writeString(Files.createDirectories(sources.resolve("other")).resolve("Plain.java"),
                "package other; public class Plain { public int c() { return 3; } }");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), work.toString(), plain.toString()));
        return classes;
    }

    private InstrumentMojo mojo(Path classes) {
        InstrumentMojo mojo = new InstrumentMojo();
        mojo.classesDirectory = classes.toFile();
        mojo.classpathElements = List.of(classes.toString());
        mojo.setLog(new SystemStreamLog() {
            @Override
            public void info(CharSequence content) {
                infos.add(content.toString());
            }

            @Override
            public void warn(CharSequence content) {
                warnings.add(content.toString());
            }
        });
        return mojo;
    }

    private static boolean rewritten(Path classFile) throws IOException {
        return new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1).contains(MARKER);
    }

    @Test
    void includedClassesAreRewrittenInPlaceAndTheSummaryLogged() throws Exception {
        Path classes = compiled();
        InstrumentMojo mojo = mojo(classes);
        mojo.includes = List.of("demo.**");

        mojo.execute();

        assertTrue(rewritten(classes.resolve("demo/Work.class")));
        assertFalse(rewritten(classes.resolve("other/Plain.class")));
        assertEquals("greenthreads: " + classes + " -> " + classes + ": 2 classes read, 1 rewritten (2 methods), 0 left as they were",
                infos.get(infos.size() - 1));
        assertEquals(List.of(), warnings);
    }

    @Test
    void excludedAndSkippedClassesAreLeftAsTheyAre() throws Exception {
        Path classes = compiled();
        byte[] before = Files.readAllBytes(classes.resolve("demo/Work.class"));
        InstrumentMojo excluding = mojo(classes);
        excluding.includes = List.of("demo.**");
        excluding.excludes = List.of("demo.Work");
        excluding.execute();
        InstrumentMojo skipping = mojo(classes);
        skipping.includes = List.of("demo.**");
        skipping.skip = true;
        skipping.execute();

        assertEquals(new String(before, StandardCharsets.ISO_8859_1),
                new String(Files.readAllBytes(classes.resolve("demo/Work.class")), StandardCharsets.ISO_8859_1));
    }

    @Test
    void traceAndDumpReachTheRewrite() throws Exception {
        Path classes = compiled();
        InstrumentMojo mojo = mojo(classes);
        mojo.includes = List.of("demo.*");
        mojo.trace = true;
        mojo.dump = dir.resolve("dump").toFile();

        mojo.execute();

        assertTrue(rewritten(dir.resolve("dump/demo/Work.class")));
        assertTrue(infos.stream().anyMatch(l -> l.startsWith("greenthreads: rewrote demo.Work")), infos.toString());
    }

    @Test
    void monitorsReachesTheAgentsOptionsOnlyWhenSet() throws Exception {
        InstrumentMojo mojo = mojo(compiled());
        assertFalse(mojo.agentOptions().contains("monitors"));
        mojo.monitors = true;
        assertEquals("monitors", mojo.agentOptions());
    }

    @Test
    void aPatternThatIsNotOneIsABadConfiguration() throws Exception {
        InstrumentMojo mojo = mojo(compiled());
        mojo.includes = List.of("demo.**,other.**");

        MojoExecutionException e = assertThrows(MojoExecutionException.class, mojo::execute);

        assertTrue(e.getMessage().startsWith("greenthreads: <includes> holds 'demo.**,other.**', which is not a package pattern;"),
                e.getMessage());
    }

    @Test
    void anOptionTheAgentRefusesIsABadConfigurationSayingWhy() throws Exception {
        InstrumentMojo mojo = mojo(compiled());
        mojo.includes = List.of("java.util.**");

        MojoExecutionException e = assertThrows(MojoExecutionException.class, mojo::execute);

        assertTrue(e.getMessage().startsWith("greenthreads: bad configuration of the greenthreads-maven-plugin: greenthreads agent"
                + " option 'include=java.util.**' names JDK classes"), e.getMessage());
    }

    @Test
    void aMissingClassesDirectoryIsNothingToDo() throws Exception {
        InstrumentMojo mojo = mojo(dir.resolve("absent"));

        mojo.execute();

        assertTrue(infos.get(0).startsWith("greenthreads: no classes to rewrite"), infos.toString());
    }

    @Test
    void testClassesAreRewrittenWithTheTestClassPath() throws Exception {
        Path classes = compiled();
        InstrumentTestsMojo mojo = new InstrumentTestsMojo();
        mojo.testClassesDirectory = classes.toFile();
        mojo.testClasspathElements = List.of(classes.toString(), new File(dir.toFile(), "absent.jar").toString());
        mojo.includes = List.of("demo.**");

        mojo.execute();

        assertTrue(rewritten(classes.resolve("demo/Work.class")));
    }
}
