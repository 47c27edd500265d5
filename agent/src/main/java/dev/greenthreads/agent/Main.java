package dev.greenthreads.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The offline instrumenter: {@code java -jar greenthreads-agent.jar instrument [--classpath CP] IN OUT [OPTIONS]}
 * rewrites ahead of time what the agent would rewrite at load time. IN and OUT are jars or
 * directories (a directory may be rewritten in place); OPTIONS are the agent's. Classes that
 * decide what is suspendable are looked up in IN, then on CP (the application's other jars and
 * the greenthreads runtime), then in the JDK.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] arguments) throws IOException {
        List<String> args = new ArrayList<>(Arrays.asList(arguments));
        List<Path> classpath = new ArrayList<>();
        int cp = args.indexOf("--classpath");
        if (cp > 0 && cp + 1 < args.size()) {
            for (String element : args.get(cp + 1).split(java.io.File.pathSeparator)) {
                if (!element.isEmpty()) {
                    classpath.add(Paths.get(element));
                }
            }
            args.subList(cp, cp + 2).clear();
        }
        if (args.size() < 3 || args.size() > 4 || !args.get(0).equals("instrument")) {
            System.err.println("usage: java -jar greenthreads-agent.jar instrument [--classpath CP] IN OUT [OPTIONS]\n"
                    + "  IN, OUT  a jar or a directory of classes (OUT may be IN for a directory)\n"
                    + "  CP       where the classes IN uses live (the greenthreads runtime, other jars)\n"
                    + "  OPTIONS  the agent's options, comma separated: include=com.example.**,exclude=...,trace,dump=DIR\n"
                    + "or run an application with -javaagent:greenthreads-agent.jar[=OPTIONS]");
            System.exit(2);
        }
        Path in = Paths.get(args.get(1)), out = Paths.get(args.get(2));
        AgentOptions options;
        try {
            options = AgentOptions.parse(args.size() == 4 ? args.get(3) : null);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (!Files.exists(in)) {
            System.err.println("greenthreads instrument: " + in + " does not exist");
            System.exit(2);
        }
        Map<String, byte[]> entries = Files.isDirectory(in) ? readDirectory(in) : readJar(in);
        ClassHierarchy hierarchy = new ClassHierarchy(name -> {
            byte[] own = entries.get(name + ".class");
            if (own == null) {
                own = onClasspath(classpath, name + ".class");
            }
            return own != null ? own : jdkClass(name);
        });
        ClassRewriter rewriter = new ClassRewriter(hierarchy,
                new Suspendability(hierarchy, options, ConcurrentHashMap.newKeySet()), options, new ConcurrentHashMap<>());
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            if (e.getKey().endsWith(".class") && !e.getKey().startsWith("META-INF/")) {
                rewriter.scanLambdas(e.getValue());
            }
        }
        int classes = 0;
        Map<String, byte[]> result = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] bytes = e.getValue();
            if (e.getKey().endsWith(".class") && !e.getKey().startsWith("META-INF/")) {
                classes++;
                byte[] rewritten = rewriter.rewrite(bytes);
                if (rewritten != null) {
                    bytes = rewritten;
                }
            } else if (isSignature(e.getKey())) {
                System.err.println("greenthreads instrument: dropped " + e.getKey() + ": rewritten classes no longer match the jar's signature");
                continue;
            }
            result.put(e.getKey(), bytes);
        }
        if (Files.isDirectory(in) || Files.isDirectory(out) || !out.toString().endsWith(".jar")) {
            writeDirectory(out, result);
        } else {
            writeJar(out, result);
        }
        System.out.printf("greenthreads instrument: %s -> %s: %d classes read, %d rewritten (%d methods), %d left as they were%n",
                in, out, classes, rewriter.classesRewritten, rewriter.methodsRewritten, rewriter.classesRefused);
    }

    private static boolean isSignature(String name) {
        String n = name.toUpperCase();
        return n.startsWith("META-INF/") && (n.endsWith(".SF") || n.endsWith(".RSA") || n.endsWith(".DSA") || n.endsWith(".EC"));
    }

    private static byte[] onClasspath(List<Path> classpath, String entry) {
        for (Path element : classpath) {
            try {
                if (Files.isDirectory(element)) {
                    Path file = element.resolve(entry);
                    if (Files.isRegularFile(file)) {
                        return Files.readAllBytes(file);
                    }
                } else if (Files.isRegularFile(element)) {
                    try (JarFile jar = new JarFile(element.toFile(), false)) {
                        JarEntry e = jar.getJarEntry(entry);
                        if (e != null) {
                            try (InputStream in = jar.getInputStream(e)) {
                                return in.readAllBytes();
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // an unreadable element of the class path holds nothing we can use
            }
        }
        return null;
    }

    private static byte[] jdkClass(String internalName) {
        try (InputStream in = ClassLoader.getSystemResourceAsStream(internalName + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    private static Map<String, byte[]> readDirectory(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).sorted().collect(Collectors.toMap(
                    p -> dir.relativize(p).toString().replace('\\', '/'), Main::bytes, (a, b) -> a, LinkedHashMap::new));
        }
    }

    private static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, byte[]> readJar(Path jar) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            for (JarEntry e : java.util.Collections.list(file.entries())) {
                if (!e.isDirectory()) {
                    try (InputStream in = file.getInputStream(e)) {
                        entries.put(e.getName(), in.readAllBytes());
                    }
                }
            }
        }
        return entries;
    }

    private static void writeDirectory(Path dir, Map<String, byte[]> entries) throws IOException {
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            Path file = dir.resolve(e.getKey());
            Files.createDirectories(file.getParent());
            Files.write(file, e.getValue());
        }
    }

    private static void writeJar(Path jar, Map<String, byte[]> entries) throws IOException {
        Path parent = jar.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
    }
}
