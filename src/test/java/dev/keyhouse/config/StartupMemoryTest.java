package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * {@link StartupMemory} reaches the JVM's native heap trim on the JDK the build runs (17.0.9+ on glibc, as CI's):
 * the command runs and reports the resident size before and after, so the once-after-start trim is not a no-op here.
 */
class StartupMemoryTest {

    @Test
    void theTrimRunsAndReportsTheResidentSizeBeforeAndAfter() throws Exception {
        // glibc only (musl has no malloc_trim); the JDK of this build and of CI is Debian's, on glibc
        assertThat(Files.exists(Path.of("/proc/self/status"))).isTrue();
        assertThat(StartupMemory.trim()).hasValueSatisfying(
                result -> assertThat(result).matches("RSS \\d+[KMG]? -> \\d+[KMG]? \\([-+]?\\d+[KMG]?\\)"));
    }
}
