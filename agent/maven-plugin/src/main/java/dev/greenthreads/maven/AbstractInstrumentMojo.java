package dev.greenthreads.maven;

import dev.greenthreads.agent.Instrumenter;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.logging.Log;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * What both goals share: rewrite one directory of classes in place with the agent's offline
 * instrumenter, the other elements of the class path telling it which methods they call are
 * suspendable. The parameters mirror the agent's options ({@code include=}, {@code exclude=},
 * {@code verify}, {@code preempt}, {@code trace}, {@code dump=}).
 */
abstract class AbstractInstrumentMojo extends AbstractMojo {

    /**
     * Packages whose every method is suspendable, no annotations needed, one pattern per element:
     * {@code com.example.**} (the package and its subpackages), {@code com.example.*} (the package
     * only) or a class name. The agent's {@code include=}.
     */
    @Parameter(property = "greenthreads.includes")
    List<String> includes = new ArrayList<>();

    /** Classes never rewritten, in the same patterns. The agent's {@code exclude=}. */
    @Parameter(property = "greenthreads.excludes")
    List<String> excludes = new ArrayList<>();

    /**
     * Whether a suspension through a method that was not rewritten fails at once, naming it
     * (the agent's {@code verify}, on by default).
     */
    @Parameter(property = "greenthreads.verify", defaultValue = "true")
    boolean verify = true;

    /** Time-slice checks at the loop headers of rewritten methods (on by default). The agent's {@code preempt}. */
    @Parameter(property = "greenthreads.preempt", defaultValue = "true")
    boolean preempt = true;

    /** Log every class and method rewritten, and each method left alone with why. The agent's {@code trace}. */
    @Parameter(property = "greenthreads.trace", defaultValue = "false")
    boolean trace;

    /**
     * {@code synchronized}, {@code Object.wait} and {@code notify} in rewritten code park green
     * threads instead of pinning (off by default). The agent's {@code monitors}.
     */
    @Parameter(property = "greenthreads.monitors", defaultValue = "false")
    boolean monitors;

    /** Also write a copy of each rewritten class under this directory. The agent's {@code dump=}. */
    @Parameter(property = "greenthreads.dump")
    File dump;

    /** Leave the classes as they are. */
    @Parameter(property = "greenthreads.skip", defaultValue = "false")
    boolean skip;

    /** The directory rewritten in place. */
    abstract File classesDirectory();

    /** The class path the directory's classes were compiled against (it may include the directory itself). */
    abstract List<String> classpathElements();

    @Override
    public void execute() throws MojoExecutionException {
        Log log = getLog();
        Path classes = classesDirectory().toPath();
        if (skip) {
            log.info("greenthreads: skipped, " + classes + " left as it is");
            return;
        }
        if (!Files.isDirectory(classes)) {
            log.info("greenthreads: no classes to rewrite (" + classes + " does not exist)");
            return;
        }
        Instrumenter instrumenter;
        try {
            instrumenter = Instrumenter.create(classPath(classes), agentOptions());
        } catch (IllegalArgumentException e) {
            throw new MojoExecutionException("greenthreads: bad configuration of the greenthreads-maven-plugin: "
                    + e.getMessage() + "; see <includes>, <excludes>, <verify>, <preempt>, <trace> and <dump> in the plugin's configuration", e);
        }
        Instrumenter.Summary summary;
        try {
            summary = instrumenter.instrument(classes, classes, new Instrumenter.Messages() {
                @Override
                public void info(String line) {
                    log.info("greenthreads: " + line);
                }

                @Override
                public void warn(String line) {
                    log.warn("greenthreads: " + line);
                }
            });
        } catch (IOException | RuntimeException e) {
            throw new MojoExecutionException("greenthreads: cannot rewrite " + classes + " in place: " + e
                    + "; check that the directory is readable and writable, then build again", e);
        }
        log.info("greenthreads: " + summary);
    }

    private List<Path> classPath(Path classes) {
        List<Path> classPath = new ArrayList<>();
        for (String element : classpathElements()) {
            Path p = Path.of(element);
            if (!p.toAbsolutePath().normalize().equals(classes.toAbsolutePath().normalize())) {
                classPath.add(p);
            }
        }
        return classPath;
    }

    /** The parameters as the agent's option string; a pattern that would not survive the string is refused here. */
    String agentOptions() throws MojoExecutionException {
        List<String> options = new ArrayList<>();
        patterns("includes", "include", includes, options);
        patterns("excludes", "exclude", excludes, options);
        if (!verify) {
            options.add("verify=false");
        }
        if (!preempt) {
            options.add("preempt=false");
        }
        if (trace) {
            options.add("trace");
        }
        if (monitors) {
            options.add("monitors");
        }
        if (dump != null) {
            if (dump.getPath().contains(",")) {
                throw new MojoExecutionException("greenthreads: <dump> " + dump + " contains a comma, which the agent's options"
                        + " cannot carry; choose a directory without one");
            }
            options.add("dump=" + dump.getAbsolutePath());
        }
        return String.join(",", options);
    }

    private static void patterns(String parameter, String option, List<String> patterns, List<String> options)
            throws MojoExecutionException {
        if (patterns == null) {
            return;
        }
        for (String p : patterns) {
            String pattern = p == null ? "" : p.trim();
            if (pattern.isEmpty() || pattern.contains(",") || pattern.contains("=") || pattern.contains("/")) {
                throw new MojoExecutionException("greenthreads: <" + parameter + "> holds '" + p + "', which is not a package"
                        + " pattern; give one pattern per <" + option + "> element, such as com.example.** (a package and"
                        + " its subpackages), com.example.* (the package only) or com.example.Type");
            }
            options.add(option + "=" + pattern);
        }
    }
}
