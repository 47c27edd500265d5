package dev.greenthreads.agent;

import dev.greenthreads.agent.analysis.ClassHierarchy;
import dev.greenthreads.agent.classify.Suspendability;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The offline instrumenter, in process: rewrites ahead of time, in a jar or a directory of
 * classes, what the agent would rewrite as the classes load. The command line
 * ({@code java -jar greenthreads-agent.jar instrument}, {@link Main}) and the Maven plugin are
 * thin callers of it.
 *
 * <pre>{@code
 * Instrumenter.Summary s = Instrumenter.create(List.of(runtimeJar), "include=com.example.**")
 *         .instrument(Path.of("app.jar"), Path.of("app-green.jar"), Instrumenter.Messages.printingTo(System.err));
 * }</pre>
 *
 * <p><b>What is read and written.</b> IN is a jar or a directory; OUT is a jar (a path ending in
 * {@code .jar} that is not a directory, for a jar IN) or a directory. When OUT is IN the rewrite
 * is in place: a directory gets only its rewritten class files written again, a jar is replaced
 * whole once it has been written beside it. A jar keeps its entries in their order, directory
 * entries included, its manifest first, and each entry's time and storage method; its signature
 * files are dropped (the rewritten classes no longer match them), with a warning.
 *
 * <p><b>Where class hierarchy comes from.</b> Deciding what is suspendable reads other classes'
 * files (never loading them): those of IN, then the class path given here, then the JDK running
 * the instrumenter.
 *
 * <p><b>Multi-release jars.</b> The classes under {@code META-INF/versions/N/} are rewritten too,
 * version by version, each seeing IN as a JDK N would load it: its own entries and those of lower
 * versions override the base ones, highest version first. Counts are reported per version.
 *
 * <p><b>Failures.</b> One class never aborts a run. A class that cannot be read or rewritten is
 * copied as it was and named, with the reason, in {@link Summary#leftAsTheyWere()} and in a
 * warning. Only I/O errors on IN or OUT as a whole throw.
 */
public final class Instrumenter {

    /** Where the instrumenter's lines go: the rewrite's trace, warnings, and what it left as it was. */
    public interface Messages {

        void info(String line);

        void warn(String line);

        /** Each line on {@code stream}, prefixed {@code [greenthreads]} as the agent's. */
        static Messages printingTo(PrintStream stream) {
            return new Messages() {
                @Override
                public void info(String line) {
                    stream.println("[greenthreads] " + line);
                }

                @Override
                public void warn(String line) {
                    stream.println("[greenthreads] WARNING: " + line);
                }
            };
        }
    }

    /** What one run did for one version of the classes (0 for the base ones, N for {@code META-INF/versions/N}). */
    public record Counts(int read, int rewritten, int methods, int left) {

        Counts plus(Counts o) {
            return new Counts(read + o.read, rewritten + o.rewritten, methods + o.methods, left + o.left);
        }
    }

    /** A class file copied as it was: its entry (path inside IN) and why. */
    public record Left(String entry, String reason) {
    }

    /** What one run did. */
    public static final class Summary {

        private final Path in, out;
        private final Map<Integer, Counts> versions;
        private final List<Left> left;
        private final List<String> dropped;

        Summary(Path in, Path out, Map<Integer, Counts> versions, List<Left> left, List<String> dropped) {
            this.in = in;
            this.out = out;
            this.versions = Collections.unmodifiableMap(new TreeMap<>(versions));
            this.left = List.copyOf(left);
            this.dropped = List.copyOf(dropped);
        }

        /** The counts of every version added up. */
        public Counts total() {
            return versions.values().stream().reduce(new Counts(0, 0, 0, 0), Counts::plus);
        }

        public int classesRead() {
            return total().read();
        }

        public int classesRewritten() {
            return total().rewritten();
        }

        public int methodsRewritten() {
            return total().methods();
        }

        /** Counts by version, ascending: 0 for the base classes, N for {@code META-INF/versions/N}; only versions present. */
        public Map<Integer, Counts> perVersion() {
            return versions;
        }

        /** The class files copied as they were, each with why, in the order they were met. */
        public List<Left> leftAsTheyWere() {
            return left;
        }

        /** Entries of IN not written to OUT: a signed jar's signature files. */
        public List<String> dropped() {
            return dropped;
        }

        /** One line: {@code IN -> OUT: 12 classes read, 3 rewritten (7 methods), 1 left as they were}, then the versions. */
        @Override
        public String toString() {
            Counts t = total();
            StringBuilder s = new StringBuilder().append(in).append(" -> ").append(out).append(": ")
                    .append(t.read()).append(" classes read, ").append(t.rewritten()).append(" rewritten (")
                    .append(t.methods()).append(" methods), ").append(t.left()).append(" left as they were");
            if (versions.keySet().stream().anyMatch(v -> v > 0)) {
                String sep = "; by version: ";
                for (Map.Entry<Integer, Counts> v : versions.entrySet()) {
                    Counts c = v.getValue();
                    s.append(sep).append(v.getKey() == 0 ? "base" : "META-INF/versions/" + v.getKey()).append(' ')
                            .append(c.read()).append(" read, ").append(c.rewritten()).append(" rewritten (")
                            .append(c.methods()).append(" methods), ").append(c.left()).append(" left");
                    sep = ", ";
                }
            }
            return s.toString();
        }
    }

    private static final Pattern VERSIONED = Pattern.compile("META-INF/versions/(\\d+)/(.+\\.class)");

    private final List<Path> classPath;
    private final AgentOptions options;

    private Instrumenter(List<Path> classPath, AgentOptions options) {
        this.classPath = classPath;
        this.options = options;
    }

    /**
     * @param classPath    jars and directories the classes of IN call into (the greenthreads runtime, libraries)
     * @param agentOptions the agent's options ({@code include=com.example.**,exclude=...,verify=false,trace,dump=DIR}), or null
     * @throws IllegalArgumentException for an unknown or malformed option, with a message that names it and lists the known ones
     */
    public static Instrumenter create(List<Path> classPath, String agentOptions) {
        return new Instrumenter(List.copyOf(classPath), AgentOptions.parse(agentOptions));
    }

    /**
     * Rewrites IN into OUT (the same path for in place).
     *
     * @throws IllegalArgumentException when IN does not exist, or is a directory and OUT a jar
     * @throws IOException              when IN cannot be read or OUT written as a whole
     */
    public Summary instrument(Path in, Path out, Messages messages) throws IOException {
        if (!Files.exists(in)) {
            throw new IllegalArgumentException(in + " does not exist (" + in.toAbsolutePath()
                    + "); give a jar or a directory of class files");
        }
        boolean directoryIn = Files.isDirectory(in);
        boolean jarOut = !directoryIn && !Files.isDirectory(out) && out.getFileName() != null
                && out.getFileName().toString().endsWith(".jar");
        if (directoryIn && !Files.isDirectory(out) && out.getFileName() != null && out.getFileName().toString().endsWith(".jar")) {
            throw new IllegalArgumentException(in + " is a directory but the output " + out
                    + " names a jar; give a directory as output (the same one to rewrite in place)");
        }
        Map<String, Entry> entries = directoryIn ? readDirectory(in) : readJar(in);
        Instrumenter.Messages previous = Log.redirect.get();
        Log.redirect.set(messages);
        Run run;
        try (ClassPath cp = new ClassPath(classPath, messages)) {
            run = new Run(entries, cp, messages);
            run.rewriteAll();
        } finally {
            if (previous == null) {
                Log.redirect.remove();
            } else {
                Log.redirect.set(previous);
            }
        }
        List<String> dropped = new ArrayList<>();
        for (String name : entries.keySet()) {
            if (isSignature(name)) {
                dropped.add(name);
                messages.warn("dropped " + name + " from " + out + ": the rewritten classes no longer match the jar's signature");
            }
        }
        boolean inPlace = Files.exists(out) && Files.isSameFile(in, out);
        if (jarOut) {
            writeJar(out, entries, run.rewritten, dropped);
        } else {
            writeDirectory(out, entries, run.rewritten, dropped, inPlace && directoryIn);
        }
        return new Summary(in, out, run.counts, run.left, dropped);
    }

    /** One entry of IN: a file (bytes) or a directory entry of a jar (bytes null). */
    private record Entry(String name, byte[] bytes, long time, int method) {
    }

    /** The rewrite of one IN: per version, a hierarchy as that version sees IN, a lambda scan, then the rewrite. */
    private final class Run {

        final Map<String, Entry> entries;
        final ClassPath classPath;
        final Messages messages;
        /** Base classes by internal name, and each version's own classes by internal name. */
        final Map<String, String> base = new LinkedHashMap<>();
        final TreeMap<Integer, Map<String, String>> versioned = new TreeMap<>();
        final Map<String, byte[]> rewritten = new LinkedHashMap<>();
        final Map<Integer, Counts> counts = new TreeMap<>();
        final List<Left> left = new ArrayList<>();
        /** Entries already found unreadable, so that a lower version's bad class is named once. */
        final Map<String, String> unreadable = new LinkedHashMap<>();

        Run(Map<String, Entry> entries, ClassPath classPath, Messages messages) {
            this.entries = entries;
            this.classPath = classPath;
            this.messages = messages;
            for (Entry e : entries.values()) {
                if (e.bytes() == null || !e.name().endsWith(".class")) {
                    continue;
                }
                Matcher m = VERSIONED.matcher(e.name());
                if (m.matches() && m.group(1).length() < 6 && Integer.parseInt(m.group(1)) >= 9) {
                    versioned.computeIfAbsent(Integer.parseInt(m.group(1)), v -> new LinkedHashMap<>())
                            .put(internalName(m.group(2)), e.name());
                } else if (!e.name().startsWith("META-INF/")) {
                    base.put(internalName(e.name()), e.name());
                }
            }
        }

        void rewriteAll() {
            rewriteVersion(0, base);
            for (Map.Entry<Integer, Map<String, String>> v : versioned.entrySet()) {
                rewriteVersion(v.getKey(), v.getValue());
            }
        }

        /** The entry that a JDK {@code version} loads for a class of IN, or null. */
        private String entryAt(int version, String internalName) {
            for (Map<String, String> lower : versioned.headMap(version, true).descendingMap().values()) {
                String e = lower.get(internalName);
                if (e != null) {
                    return e;
                }
            }
            return base.get(internalName);
        }

        private void rewriteVersion(int version, Map<String, String> own) {
            Function<String, byte[]> lookup = name -> {
                String e = entryAt(version, name);
                return e != null ? entries.get(e).bytes() : classPath.find(name + ".class");
            };
            ClassHierarchy hierarchy = new ClassHierarchy(lookup);
            ClassRewriter rewriter = new ClassRewriter(hierarchy,
                    new Suspendability(hierarchy, options::included, options::excluded, ConcurrentHashMap.newKeySet()), options);
            // Lambdas anywhere in what this version sees may make methods of the classes rewritten suspendable.
            Map<String, String> visible = new LinkedHashMap<>(base);
            for (Map<String, String> lower : versioned.headMap(version, true).values()) {
                visible.putAll(lower);
            }
            for (String entry : visible.values()) {
                if (unreadable.containsKey(entry)) {
                    continue;
                }
                try {
                    rewriter.scanLambdas(entries.get(entry).bytes());
                } catch (Throwable t) {
                    unreadable.put(entry, "cannot read it as a class file (" + t + ")");
                }
            }
            int read = 0, done = 0, methods = 0, refused = 0;
            for (String entry : own.values()) {
                read++;
                String unreadableWhy = unreadable.get(entry);
                if (unreadableWhy != null) {
                    refused++;
                    left.add(new Left(entry, unreadableWhy));
                    messages.warn("left " + entry + " as it was: " + unreadableWhy);
                    continue;
                }
                int classesBefore = rewriter.classesRewritten, methodsBefore = rewriter.methodsRewritten;
                String[] leftBecause = new String[1];
                byte[] out;
                try {
                    out = rewriter.rewrite(entries.get(entry).bytes(), reason -> leftBecause[0] = reason);
                } catch (Throwable t) { // rewrite() handles its own failures; this is the last guard
                    out = null;
                    leftBecause[0] = t.toString();
                    messages.warn("left " + entry + " as it was: " + t);
                }
                if (out != null) {
                    done += rewriter.classesRewritten - classesBefore; // not a class that only had its refusals marked
                    methods += rewriter.methodsRewritten - methodsBefore;
                    rewritten.put(entry, out);
                } else if (leftBecause[0] != null) {
                    refused++;
                    left.add(new Left(entry, leftBecause[0]));
                }
            }
            counts.put(version, new Counts(read, done, methods, refused));
        }
    }

    /** The class path's jars stay open for the run; the JDK's classes come from the JDK running the instrumenter. */
    private static final class ClassPath implements Closeable {

        private final List<Object> elements = new ArrayList<>(); // Path (a directory) or JarFile

        ClassPath(List<Path> paths, Messages messages) {
            for (Path p : paths) {
                if (Files.isDirectory(p)) {
                    elements.add(p);
                } else if (Files.isRegularFile(p)) {
                    try {
                        elements.add(new JarFile(p.toFile(), false));
                    } catch (IOException e) {
                        messages.warn("class path element " + p + " is not a readable jar (" + e.getMessage() + "); ignored");
                    }
                }
                // a missing element (a module's classes directory before it has any) holds nothing
            }
        }

        byte[] find(String entry) {
            for (Object element : elements) {
                try {
                    if (element instanceof Path dir) {
                        Path file = dir.resolve(entry);
                        if (Files.isRegularFile(file)) {
                            return Files.readAllBytes(file);
                        }
                    } else {
                        JarFile jar = (JarFile) element;
                        JarEntry e = jar.getJarEntry(entry);
                        if (e != null) {
                            try (InputStream in = jar.getInputStream(e)) {
                                return in.readAllBytes();
                            }
                        }
                    }
                } catch (IOException e) {
                    // an unreadable entry holds nothing we can use
                }
            }
            try (InputStream in = ClassLoader.getPlatformClassLoader().getResourceAsStream(entry)) {
                return in == null ? null : in.readAllBytes();
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public void close() throws IOException {
            for (Object element : elements) {
                if (element instanceof JarFile jar) {
                    jar.close();
                }
            }
        }
    }

    private static String internalName(String classFile) {
        return classFile.substring(0, classFile.length() - ".class".length());
    }

    private static boolean isSignature(String name) {
        String n = name.toUpperCase();
        return n.startsWith("META-INF/") && n.indexOf('/', "META-INF/".length()) < 0
                && (n.endsWith(".SF") || n.endsWith(".RSA") || n.endsWith(".DSA") || n.endsWith(".EC"));
    }

    private static Map<String, Entry> readDirectory(Path dir) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path p : files) {
            String name = dir.relativize(p).toString().replace('\\', '/');
            entries.put(name, new Entry(name, Files.readAllBytes(p), Files.getLastModifiedTime(p).toMillis(), ZipEntry.DEFLATED));
        }
        return entries;
    }

    private static Map<String, Entry> readJar(Path jar) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (ZipFile file = new ZipFile(jar.toFile())) {
            for (ZipEntry e : Collections.list(file.entries())) {
                byte[] bytes = null;
                if (!e.isDirectory()) {
                    try (InputStream in = file.getInputStream(e)) {
                        bytes = in.readAllBytes();
                    }
                }
                entries.put(e.getName(), new Entry(e.getName(), bytes, e.getTime(), e.getMethod()));
            }
        }
        return entries;
    }

    private static void writeDirectory(Path dir, Map<String, Entry> entries, Map<String, byte[]> rewritten,
                                       List<String> dropped, boolean inPlace) throws IOException {
        for (Entry e : entries.values()) {
            Path file = dir.resolve(e.name());
            if (dropped.contains(e.name())) {
                if (inPlace) {
                    Files.deleteIfExists(file);
                }
            } else if (e.bytes() == null) {
                Files.createDirectories(file);
            } else if (!inPlace || rewritten.containsKey(e.name())) {
                Files.createDirectories(file.getParent());
                Files.write(file, rewritten.getOrDefault(e.name(), e.bytes()));
            }
        }
    }

    /** Written beside OUT, then moved over it, so that IN may be OUT and a failed run leaves OUT as it was. */
    private static void writeJar(Path jar, Map<String, Entry> entries, Map<String, byte[]> rewritten, List<String> dropped)
            throws IOException {
        Path parent = jar.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Map<String, Entry> order = new LinkedHashMap<>();
        for (String first : List.of("META-INF/", JarFile.MANIFEST_NAME)) { // where JarInputStream looks for the manifest
            if (entries.containsKey(first)) {
                order.put(first, entries.get(first));
            }
        }
        for (Entry e : entries.values()) {
            if (!dropped.contains(e.name())) {
                order.putIfAbsent(e.name(), e);
            }
        }
        Path temporary = Files.createTempFile(parent, jar.getFileName().toString(), ".tmp");
        try {
            try (OutputStream file = Files.newOutputStream(temporary); JarOutputStream out = new JarOutputStream(file)) {
                for (Entry e : order.values()) {
                    byte[] bytes = e.bytes() == null ? new byte[0] : rewritten.getOrDefault(e.name(), e.bytes());
                    JarEntry je = new JarEntry(e.name());
                    if (e.time() != -1) {
                        je.setTime(e.time());
                    }
                    if (e.method() == ZipEntry.STORED || e.bytes() == null) {
                        CRC32 crc = new CRC32();
                        crc.update(bytes);
                        je.setMethod(ZipEntry.STORED);
                        je.setSize(bytes.length);
                        je.setCompressedSize(bytes.length);
                        je.setCrc(crc.getValue());
                    }
                    out.putNextEntry(je);
                    out.write(bytes);
                    out.closeEntry();
                }
            }
            Files.move(temporary, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
