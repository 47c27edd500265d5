package dev.greenthreads.samples.echo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Where a real inetd comes from: OpenBSD's inetd as Debian packages it ({@code openbsd-inetd}).
 * An installed {@code /usr/sbin/inetd} is used as it is. Otherwise its package and the one
 * library it needs beyond a base system ({@code libwrap0}) are fetched with
 * {@code apt-get download} and unpacked with {@code dpkg-deb -x} into a cache directory, and the
 * binary runs from there with {@code LD_LIBRARY_PATH}. Unpacking rather than installing
 * ({@code apt-get install}) is deliberate: it needs no root, changes nothing outside the cache,
 * and starts no system inetd that would be left running.
 *
 * @param binary      the inetd executable
 * @param libraryPath directories for {@code LD_LIBRARY_PATH}; null when it runs as installed
 * @param origin      where it came from, for the report
 */
record Inetd(Path binary, String libraryPath, String origin) {

    private static final Path INSTALLED = Path.of("/usr/sbin/inetd");
    private static final List<String> PACKAGES = List.of("openbsd-inetd", "libwrap0");
    private static final long STEP_TIMEOUT_SECONDS = 120;

    /** Thrown when no inetd can be had here; the message says why, in words for the user. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    /** The default cache: one per user, so that a second run does not fetch again. */
    static Path defaultCache() {
        return Path.of(System.getProperty("java.io.tmpdir"), "greenthreads-inetd-" + System.getProperty("user.name"));
    }

    /**
     * An inetd to run: the installed one, one unpacked earlier into {@code cache}, or one fetched
     * now (telling {@code progress}).
     */
    static Inetd locate(Path cache, Consumer<String> progress) throws Unavailable {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            throw new Unavailable("inetd is fetched as a Debian package, and this is not Linux");
        }
        if (Files.isExecutable(INSTALLED)) {
            return new Inetd(INSTALLED, null, INSTALLED + " (installed)");
        }
        Path unpacked = cache.resolve("root");
        Path binary = unpacked.resolve("usr/sbin/inetd");
        if (!Files.isExecutable(binary)) {
            progress.accept("no inetd installed: fetching Debian's " + String.join(" and ", PACKAGES)
                    + " into " + cache + " (unpacked, not installed)");
            fetch(cache, unpacked);
        }
        if (!Files.isExecutable(binary)) {
            throw new Unavailable("the openbsd-inetd package in " + cache + " has no usr/sbin/inetd");
        }
        return new Inetd(binary, unpacked.resolve("usr/lib/x86_64-linux-gnu") + ":" + unpacked.resolve("lib/x86_64-linux-gnu"),
                "Debian's openbsd-inetd, unpacked in " + cache);
    }

    private static void fetch(Path cache, Path unpacked) throws Unavailable {
        try {
            Files.createDirectories(unpacked);
            List<String> download = new ArrayList<>(List.of("apt-get", "download", "-q"));
            download.addAll(PACKAGES);
            String failure = run(cache, download);
            if (failure != null && isRoot()) {
                // A fresh machine may have no package lists yet; fetching them needs root.
                run(cache, List.of("apt-get", "update", "-q"));
                failure = run(cache, download);
            }
            if (failure != null) {
                throw new Unavailable("cannot fetch openbsd-inetd with apt-get download: " + failure
                        + (isRoot() ? "" : "; as root, apt-get update may help"));
            }
            try (Stream<Path> files = Files.list(cache)) {
                for (Path deb : files.filter(f -> f.getFileName().toString().endsWith(".deb")).toList()) {
                    String unpackFailure = run(cache, List.of("dpkg-deb", "-x", deb.toString(), unpacked.toString()));
                    if (unpackFailure != null) {
                        throw new Unavailable("cannot unpack " + deb + ": " + unpackFailure);
                    }
                }
            }
        } catch (IOException e) {
            throw new Unavailable("cannot fetch openbsd-inetd into " + cache + ": " + e.getMessage());
        }
    }

    /** Runs a command in {@code dir}; null when it succeeded, else its last output line. */
    private static String run(Path dir, List<String> command) {
        try {
            Path output = Files.createTempFile("inetd-fetch", ".log");
            try {
                Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
                if (!process.waitFor(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return String.join(" ", command) + " took more than " + STEP_TIMEOUT_SECONDS + " s";
                }
                if (process.exitValue() == 0) {
                    return null;
                }
                List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
                return String.join(" ", command) + " exited with " + process.exitValue()
                        + (lines.isEmpty() ? "" : ": " + lines.get(lines.size() - 1));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            return String.join(" ", command) + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
