package dev.greenthreads.corpus;

import dev.greenthreads.internal.continuation.Instrumented;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipFile;
import org.objectweb.asm.AnnotationVisitor;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Loads and links every class of a jar, as the JVM of this test would for an application.
 *
 * <p>Each check gets a fresh {@link URLClassLoader} over the jar, its class path and the
 * runtime jar, whose parent is the platform loader: nothing of the test's own class path can
 * stand in for a class of the jar, and classes of a non-boot loader are verified (the JVM's
 * default; {@link #verifierIsOn()} says whether this JVM was started without it).
 * {@code Class.forName(name, false, loader)} only loads; {@code getDeclaredMethods()} is what
 * links (HotSpot links a class before it reflects on its methods, and linking verifies), without
 * running any static initialiser. {@link LinkCheckTest} shows both halves of that claim on a
 * hand-built unverifiable class.
 *
 * <p>A multi-release jar is read as the JVM reads it: the class names are those of the entries
 * this JVM's version selects, and the bytes inspected are those of the versioned entry.
 */
final class LinkCheck {

    private static final String INSTRUMENTED = Type.getDescriptor(Instrumented.class);

    private LinkCheck() {
    }

    /**
     * One class of a jar as this JVM sees it: whether the entry it loads is a versioned one of
     * a multi-release jar, whether that entry carries the agent's marker, and whether the
     * base entry (under the same name outside META-INF/versions) does.
     */
    record JarClass(String name, boolean versioned, boolean rewritten, boolean baseRewritten) {
    }

    /**
     * What became of one class: {@code error} is null when it loaded and linked, else the
     * error's class name; {@code firstLine} is the first line of its {@code toString()}.
     */
    record Outcome(String error, String firstLine) {
        static final Outcome LINKED = new Outcome(null, "linked");

        boolean linked() {
            return error == null;
        }
    }

    /** The classes of a jar by binary name, each with the entry this JVM would load. */
    static Map<String, JarClass> classesOf(Path jar) {
        Map<String, JarClass> classes = new TreeMap<>();
        try (JarFile file = new JarFile(jar.toFile(), false, ZipFile.OPEN_READ, Runtime.version());
                JarFile base = new JarFile(jar.toFile(), false)) {
            for (JarEntry e : (Iterable<JarEntry>) file.versionedStream()::iterator) {
                String entry = e.getName();
                if (!entry.endsWith(".class") || entry.startsWith("META-INF/") || entry.endsWith("module-info.class")) {
                    continue;
                }
                String name = entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
                boolean versioned = !e.getRealName().equals(entry);
                boolean rewritten = isRewritten(file, e);
                JarEntry baseEntry = versioned ? base.getJarEntry(entry) : null;
                boolean baseRewritten = versioned ? baseEntry != null && isRewritten(base, baseEntry) : rewritten;
                classes.put(name, new JarClass(name, versioned, rewritten, baseRewritten));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(jar.toString(), e);
        }
        return classes;
    }

    private static boolean isRewritten(JarFile file, JarEntry e) throws IOException {
        try (InputStream in = file.getInputStream(e)) {
            return isRewritten(in.readAllBytes());
        }
    }

    /** Whether the agent put its {@link Instrumented} marker on this class file. */
    static boolean isRewritten(byte[] classFile) {
        boolean[] marked = {false};
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public AnnotationVisitor visitAnnotation(String descriptor, boolean visible) {
                marked[0] |= descriptor.equals(INSTRUMENTED);
                return null;
            }
        }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return marked[0];
    }

    /**
     * Loads and links each named class from {@code jar} in a fresh loader over {@code jar},
     * then {@code classPath}; names in sorted order, so that a class whose superclass failed
     * meets the same state in every run.
     */
    static Map<String, Outcome> link(Path jar, List<Path> classPath, Iterable<String> names) {
        URL[] urls = new URL[classPath.size() + 1];
        urls[0] = url(jar);
        for (int i = 0; i < classPath.size(); i++) {
            urls[i + 1] = url(classPath.get(i));
        }
        Map<String, Outcome> outcomes = new TreeMap<>();
        try (URLClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
            for (String name : names) {
                outcomes.put(name, linkOne(name, loader));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return outcomes;
    }

    /**
     * One line per class whose outcome from the output differs from the original's: it linked
     * before and does not now, fails with another error, or is missing; "name: original ...;
     * rewritten ..." with the first line of each error.
     */
    static List<String> differences(Map<String, Outcome> original, Map<String, Outcome> rewritten) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Outcome> e : original.entrySet()) {
            Outcome before = e.getValue(), after = rewritten.get(e.getKey());
            if (after == null) {
                lines.add(e.getKey() + ": missing from the output");
            } else if (!Objects.equals(before.error(), after.error())) {
                lines.add(e.getKey() + ": original " + before.firstLine() + "; rewritten " + after.firstLine());
            }
        }
        for (String name : rewritten.keySet()) {
            if (!original.containsKey(name)) {
                lines.add(name + ": in the output only");
            }
        }
        return lines;
    }

    private static Outcome linkOne(String name, ClassLoader loader) {
        try {
            Class.forName(name, false, loader).getDeclaredMethods();
            return Outcome.LINKED;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            String text = e.toString();
            int eol = text.indexOf('\n');
            return new Outcome(e.getClass().getName(), eol < 0 ? text : text.substring(0, eol));
        }
    }

    /** False when this JVM was told not to verify ({@code -Xverify:none}, {@code -noverify}). */
    static boolean verifierIsOn() {
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.equals("-Xverify:none") || argument.equals("-noverify")
                    || argument.equals("-XX:-BytecodeVerificationRemote")) {
                return false;
            }
        }
        return true;
    }

    private static URL url(Path path) {
        try {
            return path.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(path.toString(), e);
        }
    }
}
