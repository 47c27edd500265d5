package dev.greenthreads.samples.echo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What Linux's {@code /proc} tells about other processes: whether some process listens on a TCP
 * port, and what a process's reaped children cost. Used to watch an inetd, whose sockets and
 * children are not this JVM's.
 */
final class ProcFs {

    /** {@code st} of a listening socket in {@code /proc/net/tcp}. */
    private static final String LISTEN = "0A";
    /** Clock ticks per second of {@code /proc/PID/stat}'s times ({@code USER_HZ}, 100 on Linux). */
    private static final long TICKS_PER_SECOND = 100;

    private ProcFs() {}

    /** True when a TCP socket (IPv4 or IPv6) listens on {@code port}. */
    static boolean isListening(int port) {
        String hexPort = String.format(":%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table), StandardCharsets.US_ASCII)) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals(LISTEN)) {
                        return true;
                    }
                }
            } catch (IOException e) {
                // no such table
            }
        }
        return false;
    }

    /**
     * CPU time (user and system) of {@code pid}'s children that it has waited for, in
     * nanoseconds: {@code cutime + cstime} of {@code /proc/PID/stat}; -1 where it cannot be read.
     */
    static long reapedChildrenCpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            // Fields after the command, which is in parentheses and may hold blanks.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long ticks = Long.parseLong(f[13]) + Long.parseLong(f[14]); // fields 16 and 17 of proc(5)
            return ticks * (1_000_000_000L / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
