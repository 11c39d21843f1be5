package dev.keyhouse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.SystemTools;

/** deploy/systemd/keyhouse.service, checked by Debian's systemd-analyze (verify and the offline security score). */
class SystemdUnitTest {

    private static final Path UNIT = Path.of("deploy/systemd/keyhouse.service");
    private static final String SHIPPED_JAVA = "ExecStart=/usr/bin/java ";

    /**
     * A copy of the unit for systemd-analyze, which fails when the ExecStart binary is missing: a host without
     * /usr/bin/java (a JDK elsewhere) gets the java running this test instead. Only that path changes; every other
     * line, hardening included, is the shipped one.
     */
    private static Path checkable(Path dir, String unitText) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path copy = dir.resolve("keyhouse.service");
        Files.writeString(copy, unitText.replace(SHIPPED_JAVA, "ExecStart=" + java + " "));
        return copy;
    }

    private static String shipped() throws Exception {
        return Files.readString(UNIT);
    }

    @Test
    void runsTheFastJarAsTheServiceUserWithTheRenderedEnvFile() throws Exception {
        String unit = shipped();
        assertThat(unit.lines()).contains(
                "User=keyhouse",
                "EnvironmentFile=/opt/keyhouse/.env",
                "ExecStart=/usr/bin/java $JAVA_OPTS -jar /opt/keyhouse/app/quarkus-run.jar",
                "Restart=always",
                "WorkingDirectory=/opt/keyhouse/data");
        assertThat(unit.lines()).anyMatch(line -> line.startsWith("TimeoutStopSec="));
    }

    @Test
    void isHardened() throws Exception {
        assertThat(shipped().lines()).contains(
                "NoNewPrivileges=yes",
                "ProtectSystem=strict",
                "ReadWritePaths=/opt/keyhouse/data",
                "ProtectHome=yes",
                "PrivateTmp=yes",
                "PrivateDevices=yes",
                "ProtectKernelTunables=yes",
                "ProtectKernelModules=yes",
                "ProtectKernelLogs=yes",
                "ProtectControlGroups=yes",
                "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                "CapabilityBoundingSet=",
                "SystemCallFilter=@system-service");
    }

    @Test
    @SystemTools("systemd-analyze")
    void passesSystemdAnalyzeVerifyWithoutAWarning(@TempDir Path dir) throws Exception {
        Path copy = checkable(dir, shipped());
        Command verify = Command.run(dir, null, List.of(Command.tool("systemd-analyze").toString(), "verify", copy.toString()));
        assertThat(verify.exit()).as(verify.output()).isZero();
        // Unknown or misspelt directives are only warnings ("Unknown key ..., ignoring"): none may appear.
        assertThat(verify.stderr()).as(verify.output()).isBlank();
    }

    @Test
    @SystemTools("systemd-analyze")
    void verifyCatchesAMisspeltDirective(@TempDir Path dir) throws Exception {
        Path copy = checkable(dir, shipped().replace("ProtectHome=yes", "ProtectHomes=yes"));
        Command verify = Command.run(dir, null, List.of(Command.tool("systemd-analyze").toString(), "verify", copy.toString()));
        assertThat(verify.stderr()).contains("ProtectHomes");
    }

    @Test
    @SystemTools("systemd-analyze")
    void exposureScoreStaysLow(@TempDir Path dir) throws Exception {
        Path copy = checkable(dir, shipped());
        // --threshold is the exposure times ten: fail above 2.5 ("OK"); the unit scores 1.5 today.
        Command security = Command.run(dir, null, List.of(Command.tool("systemd-analyze").toString(), "security",
                "--offline=true", "--threshold=25", copy.toString()));
        assertThat(security.exit()).as(security.output()).isZero();
    }
}
