package dev.keyhouse.runtimes.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.runtimes.DriverField;
import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.SecretMask;
import dev.keyhouse.runtimes.TargetSpec;
import dev.keyhouse.web.FieldErrors;

/** The command driver against real processes and a real EnvironmentFile. */
class CommandDriverTest {

    private static final String KEY = "sk-command-test-6a0f2b9e1d3c";

    @TempDir
    Path dir;

    private CommandDriver driver;

    @org.junit.jupiter.api.BeforeEach
    void allowTheTemporaryFolder() throws java.io.IOException {
        driver = new CommandDriver(new EnvironmentDirs(List.of(dir.toRealPath())));
    }

    @Test
    void writesTheEnvironmentFileMode600ThenRunsTheCommand() throws Exception {
        Path file = dir.resolve("voice.env");
        Path seen = dir.resolve("seen.txt");
        TargetSpec target = target("voice", "cat '" + file + "' > '" + seen + "'", file);

        driver.restart(target, "voice", order(Map.of("LLM_API_KEY", KEY, "LLM_MODEL", "a \"quoted\" \\ model $HOME")));

        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(EnvironmentFile.OWNER_ONLY);
        String content = Files.readString(file, StandardCharsets.UTF_8);
        // the env-file dialect every reader agrees on: plain values bare, the rest quoted (EnvFileReadersTest)
        assertThat(content).contains("LLM_API_KEY=" + KEY + "\n")
                .contains("LLM_MODEL='a \"quoted\" \\ model $HOME'\n").startsWith("# Written by Keyhouse");
        assertThat(Files.readString(seen)).as("the command runs after the file is written").isEqualTo(content);
        assertThat(driver.discover(target)).containsExactly("voice");
    }

    @Test
    void replacesTheFileAtomicallyAndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("voice.env");
        TargetSpec target = target("voice", "true", file);
        driver.restart(target, "voice", order(Map.of("LLM_API_KEY", "sk-old-value-0000")));
        Object before = Files.readAttributes(file, BasicFileAttributes.class).fileKey();

        driver.restart(target, "voice", order(Map.of("LLM_API_KEY", KEY)));

        assertThat(Files.readAttributes(file, BasicFileAttributes.class).fileKey())
                .as("a new file renamed over the old one, not the old one rewritten in place").isNotEqualTo(before);
        assertThat(Files.readString(file)).contains(KEY).doesNotContain("sk-old-value");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(EnvironmentFile.OWNER_ONLY);
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("voice.env");
        }
    }

    @Test
    void refusesAValueWithALineBreakAndKeepsTheOldFile() throws Exception {
        Path file = dir.resolve("voice.env");
        Path ran = dir.resolve("ran");
        TargetSpec target = target("voice", "touch '" + ran + "'", file);
        driver.restart(target, "voice", order(Map.of("LLM_API_KEY", KEY)));
        Files.delete(ran);

        assertThatThrownBy(() -> driver.restart(target, "voice", order(Map.of("LLM_API_KEY", "sk-x\nEVIL=1"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LLM_API_KEY")
                .hasMessageNotContaining("sk-x");

        assertThat(Files.readString(file)).contains(KEY).doesNotContain("EVIL");
        assertThat(ran).as("the command does not run on a file that was not written").doesNotExist();
    }

    @Test
    void aCommandThatRecordsItsRestartIdRestartsOncePerRestartHoweverOftenItIsCalled() throws Exception {
        Path calls = dir.resolve("calls");
        Path done = dir.resolve("done");
        Path restarts = dir.resolve("restarts");
        // as README's Operations section shows: restart, then record the id; the id found recorded means done
        String command = "echo \"$KEYHOUSE_RESTART_ID $KEYHOUSE_RESTART_ATTEMPT\" >> '" + calls + "';"
                + " grep -qx \"$KEYHOUSE_RESTART_ID\" '" + done + "' 2>/dev/null && exit 0;"
                + " echo \"$KEYHOUSE_RUN_ID $KEYHOUSE_RESTART_ID\" >> '" + restarts + "';"
                + " echo \"$KEYHOUSE_RESTART_ID\" >> '" + done + "'";
        TargetSpec target = target("voice", command, null);

        driver.restart(target, "voice", order(88, 1));
        // the same restart again: a replica took it over after the first one died before it could record it
        driver.restart(target, "voice", order(88, 2));
        driver.restart(target, "voice", order(89, 1));
        driver.restart(target, "voice", order(90, 3));

        assertThat(Files.readAllLines(calls)).containsExactly("88 1", "88 2", "89 1", "90 3");
        assertThat(Files.readAllLines(restarts)).containsExactly("41 88", "41 89", "41 90");
    }

    @Test
    void anOrderForNoRestartResultPassesNoRestartId() throws Exception {
        Path seen = dir.resolve("env.txt");
        driver.restart(target("voice", "env > '" + seen + "'", null), "voice", order(Map.of("LLM_API_KEY", KEY)));

        assertThat(Files.readString(seen)).doesNotContain(CommandDriver.RESTART_ID)
                .doesNotContain(CommandDriver.RESTART_ATTEMPT);
    }

    @Test
    void theCommandGetsAnEmptyEnvironmentButPathHomeLangAndItsRunAndTarget() throws Exception {
        Path seen = dir.resolve("env.txt");
        driver.restart(target("voice-fleet", "env > '" + seen + "'", null), "voice-fleet", order(Map.of("LLM_API_KEY", KEY)));

        List<String> names = Files.readAllLines(seen).stream().map(l -> l.substring(0, l.indexOf('='))).toList();
        // sh itself adds PWD (and some shells SHLVL and _)
        assertThat(names).contains("PATH", "KEYHOUSE_RUN_ID", "KEYHOUSE_TARGET")
                .isSubsetOf("PATH", "HOME", "LANG", "KEYHOUSE_RUN_ID", "KEYHOUSE_TARGET", "PWD", "SHLVL", "_")
                .doesNotContain("CREDENTIAL_ENCRYPTION_KEY", "LLM_API_KEY");
        assertThat(System.getenv().keySet()).as("the test's own environment has more that was not passed on")
                .isNotEmpty().anySatisfy(name -> assertThat(names).doesNotContain(name));
        assertThat(Files.readString(seen)).contains("KEYHOUSE_RUN_ID=41").contains("KEYHOUSE_TARGET=voice-fleet")
                .doesNotContain(KEY);
    }

    @Test
    void aNonZeroExitFailsWithTheCodeAndTheLastLinesMasked() {
        String command = "for i in $(seq 1 30); do echo line-$i; done; echo the key is " + KEY + " >&2; exit 7";

        assertThatThrownBy(() -> driver.restart(target("voice", command, null), "voice",
                order(Map.of("LLM_API_KEY", KEY))))
                .isInstanceOf(ShellCommand.Failed.class)
                .hasMessageContaining("exited with code 7").hasMessageContaining("line-30")
                .hasMessageContaining("the key is " + SecretMask.MASK)
                .hasMessageNotContaining("line-5\n").hasMessageNotContaining(KEY);
    }

    @Test
    void interruptionKillsTheCommandAndWhatItStarted() throws Exception {
        Path pid = dir.resolve("sleep.pid");
        TargetSpec target = target("slow", "sleep 60 & echo $! > '" + pid + "'; wait", null);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                driver.restart(target, "slow", order(Map.of()));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        worker.start();
        long sleepPid = awaitPid(pid);
        assertThat(ProcessHandle.of(sleepPid)).as("sleep 60 runs").hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        Instant interrupted = Instant.now();

        worker.interrupt();
        worker.join(5000);

        assertThat(worker.isAlive()).isFalse();
        assertThat(Duration.between(interrupted, Instant.now())).isLessThan(Duration.ofSeconds(5));
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (ProcessHandle.of(sleepPid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(ProcessHandle.of(sleepPid).map(ProcessHandle::isAlive).orElse(false))
                .as("the sleep the command started is killed too").isFalse();
    }

    @Test
    void validationNamesTheField() {
        FieldErrors errors = new FieldErrors();
        driver.validate(new TargetSpec(0, "t", "command", Map.of("command", "true", "environmentFile", "relative.env"),
                Map.of()), errors);
        assertThat(errors.errors()).extracting(FieldErrors.FieldError::field).containsExactly("config.environmentFile");
        assertThat(driver.fields()).extracting(DriverField::name).containsExactly("command", "environmentFile");
        assertThat(driver.fields().get(0).required()).isTrue();
    }

    @Test
    void theSystemdPresetBuildsAQuotedSystemctlCommandLine() {
        assertThat(SystemdDriver.command("voxcore@*.service")).isEqualTo("systemctl restart -- 'voxcore@*.service'");
        assertThat(SystemdDriver.command("voice.service")).isEqualTo("systemctl restart -- 'voice.service'");
        for (String bad : List.of("a'b", "a b", "x;rm -rf /", "$(id)", "")) {
            assertThatThrownBy(() -> SystemdDriver.command(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
            FieldErrors errors = new FieldErrors();
            new SystemdDriver(new EnvironmentDirs(List.of())).validate(new TargetSpec(0, "t", "systemd", Map.of("unit", bad), Map.of()), errors);
            if (!bad.isEmpty()) {
                assertThat(errors.errors()).extracting(FieldErrors.FieldError::field).as(bad).containsExactly("config.unit");
            }
        }
        assertThat(new SystemdDriver(new EnvironmentDirs(List.of())).fields()).extracting(DriverField::name).containsExactly("unit", "environmentFile");
    }

    private static long awaitPid(Path pid) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(pid) && !Files.readString(pid).isBlank()) {
                return Long.parseLong(Files.readString(pid).strip());
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the command did not start");
    }

    /**
     * Issue 16, shared config: a command target with an environment file, and a systemd template unit or glob with
     * one, write configuration all of the target's runtimes read, so a rollout moves them as one wave; without a
     * file, or for one plain unit, nothing is shared.
     */
    @Test
    void aSharedEnvironmentFileIsNamedAsTheReasonForOneWave() {
        Path file = dir.resolve("voice.env");
        assertThat(driver.sharedConfig(target("voice", "true", file)))
                .isEqualTo("one environment file (" + file + ") is written for the whole target");
        assertThat(driver.sharedConfig(target("voice", "true", null))).isNull();

        SystemdDriver systemd = new SystemdDriver(new EnvironmentDirs(List.of(dir)));
        for (String template : List.of("voxcore@*.service", "voxcore@.service", "voxcore@1.service", "voice-*",
                "voice-?.service", "voice-[12].service")) {
            assertThat(systemd.sharedConfig(unit(template, file))).as(template)
                    .isEqualTo("one EnvironmentFile (" + file + ") is shared by every instance of " + template);
            assertThat(systemd.sharedConfig(unit(template, null))).as(template + " without a file").isNull();
        }
        for (String single : List.of("voice.service", "voice-1.service", "voice")) {
            assertThat(systemd.sharedConfig(unit(single, file))).as(single).isNull();
        }
    }

    private static TargetSpec unit(String unit, Path file) {
        return new TargetSpec(1, "voice", "systemd", file == null ? Map.of("unit", unit)
                : Map.of("unit", unit, "environmentFile", file.toString()), Map.of());
    }

    private static TargetSpec target(String name, String command, Path file) {
        Map<String, String> config = file == null ? Map.of("command", command)
                : Map.of("command", command, "environmentFile", file.toString());
        return new TargetSpec(1, name, "command", config, Map.of());
    }

    /** An order for restart result {@code restartId}, attempt {@code attempt}, of run 41. */
    private static RestartOrder order(long restartId, int attempt) {
        return new RestartOrder(41, 7, Map.of("LLM_API_KEY", KEY), Set.of("LLM_API_KEY"), Instant.now().plusSeconds(60),
                restartId, attempt);
    }

    private static RestartOrder order(Map<String, String> env) {
        return new RestartOrder(41, 7, env, Set.copyOf(Arrays.asList("LLM_API_KEY", "LLM_MODEL")),
                Instant.now().plusSeconds(60));
    }
}
