package dev.greenthreads.maven;

import java.io.File;
import java.util.List;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * Rewrites the project's test classes ({@code target/test-classes}) in place after they are
 * compiled, with the test class path, so that tests run without {@code -javaagent}. A goal of its
 * own rather than a switch of {@code instrument}: a goal's default phase and the scope of the
 * class path it resolves are fixed per goal, and test classes need both different.
 */
@Mojo(name = "instrument-tests", defaultPhase = LifecyclePhase.PROCESS_TEST_CLASSES,
        requiresDependencyResolution = ResolutionScope.TEST, threadSafe = true)
public class InstrumentTestsMojo extends AbstractInstrumentMojo {

    /** The directory rewritten in place. */
    @Parameter(defaultValue = "${project.build.testOutputDirectory}", required = true)
    File testClassesDirectory;

    @Parameter(defaultValue = "${project.testClasspathElements}", readonly = true, required = true)
    List<String> testClasspathElements;

    /** Leave the test classes as they are, as when tests are skipped altogether. */
    @Parameter(property = "maven.test.skip", defaultValue = "false")
    boolean skipTests;

    @Override
    File classesDirectory() {
        return testClassesDirectory;
    }

    @Override
    List<String> classpathElements() {
        return testClasspathElements;
    }

    @Override
    public void execute() throws org.apache.maven.plugin.MojoExecutionException {
        if (skipTests) {
            getLog().info("greenthreads: test classes not rewritten (maven.test.skip)");
            return;
        }
        super.execute();
    }
}
