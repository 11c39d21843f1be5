package dev.keyhouse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The JVM runs with the same flags wherever Keyhouse is launched for real and where its start-up is measured
 * (issue 17): {@code deploy/jvm-flags} is the one list; the systemd unit, the Dockerfile, the README's run command
 * {@code deploy/measure-startup.sh} and the training run of {@code deploy/build-fast-start.sh} (whose archive holds the
 * classes a start with these flags loads) use it, each with {@code MALLOC_ARENA_MAX=2}.
 */
class JvmFlagsTest {

    private static String flags() throws Exception {
        return Files.readString(Path.of("deploy/jvm-flags")).strip();
    }

    @Test
    void theFlagsBoundTheHeapAndUseTheSerialCollector() throws Exception {
        assertThat(flags()).doesNotContain("\n").contains("-XX:+UseSerialGC", "-Xmx128m", "-Xss512k")
                // C1 alone starts with half the CPU but served runtime-config at 0.43 / 0.37 of health (targets
                // 0.5 / 0.4) where C2 served 0.56 / 0.63; trimming the native heap every second saved 16 MiB but
                // runtime-config fell to 0.33-0.42 unnamed: neither is on the list (README, "Start-up and memory")
                .doesNotContain("TieredStopAtLevel", "TrimNativeHeapInterval");
    }

    @Test
    void everyLaunchUsesThem() throws Exception {
        String flags = flags();
        assertThat(Files.readString(Path.of("deploy/systemd/keyhouse.service")).lines())
                .contains("Environment=\"JAVA_OPTS=" + flags + "\"", "Environment=MALLOC_ARENA_MAX=2",
                        "ExecStart=/usr/bin/java $JAVA_OPTS -jar /opt/keyhouse/app/quarkus-run.jar");
        assertThat(Files.readString(Path.of("Dockerfile")).lines())
                .contains("ENV JAVA_OPTS_APPEND=\"" + flags + "\" MALLOC_ARENA_MAX=2")
                .anyMatch(line -> line.startsWith("ENTRYPOINT") && line.contains("exec java $JAVA_OPTS_APPEND -jar"));
        assertThat(Files.readString(Path.of("README.md")))
                .contains("MALLOC_ARENA_MAX=2 java " + flags + " -jar target/quarkus-app/quarkus-run.jar");
        assertThat(Files.readString(Path.of("deploy/measure-startup.sh")))
                .contains("$(cat deploy/jvm-flags)", "MALLOC_ARENA_MAX=2", "exec \"$java\" $flags $cds -jar quarkus-run.jar");
        assertThat(Files.readString(Path.of("deploy/build-fast-start.sh")))
                .contains("flags=$(cat deploy/jvm-flags)",
                        "MALLOC_ARENA_MAX=2 exec \"$java\" $flags \"${record[@]}\" -jar quarkus-run.jar");
    }
}
