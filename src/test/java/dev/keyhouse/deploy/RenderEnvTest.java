package dev.keyhouse.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.EnvVar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/render-env.sh, run for real by bash against a temporary folder. */
class RenderEnvTest {

    private static final Path SCRIPT = Path.of("deploy/render-env.sh").toAbsolutePath();
    private static final String KEY = "qm1N7vKc0dQ3sRfYt8ZpL2wXe5HbJ9aUo6GiCy4VnTk=";
    private static final String JWT = "Zk3Pq8Wm1Rt6Yv0Bn5Cx2Lj9Hg4Fd7Sa+Ee/Ii1Oo2Uu=";
    // a password with much an env file can trip on: both quotes, a backslash, #, spaces (a $ or backtick with a
    // quote has no form every reader agrees on: refused, see refusesAValueNoEnvFileLineHoldsAlike)
    private static final String PASSWORD = "pl4nted 'pass\"word' \\n #not-a-comment";

    private static Map<String, String> complete() {
        Map<String, String> env = new HashMap<>();
        env.put("KEYHOUSE_RENDER_CREDENTIAL_ENCRYPTION_KEY", KEY);
        env.put("KEYHOUSE_RENDER_JWT_SECRET_KEY", JWT);
        env.put("KEYHOUSE_RENDER_SYSTEM_ADMIN_PASSWORD", PASSWORD);
        env.put("KEYHOUSE_RENDER_POSTGRES_HOST", "db.internal");
        env.put("KEYHOUSE_RENDER_POSTGRES_PASSWORD", "s3cret-db-p4ss");
        env.put("KEYHOUSE_RENDER_CORS_ORIGINS", "");
        // the agent's own environment: never copied into the file
        env.put("LOG_LEVEL", "TRACE");
        env.put("KEYHOUSE_SERVICE_USER", "nobody");
        return env;
    }

    private static Command render(Path dir, Map<String, String> env, String... bashOptions) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash"));
        command.addAll(List.of(bashOptions));
        command.add(SCRIPT.toString());
        command.add(dir.resolve(".env").toString());
        return Command.run(dir, env, command);
    }

    private static boolean root() throws Exception {
        return "0".equals(Command.run(Path.of("."), null, List.of("id", "-u")).stdout().strip());
    }

    private static List<String> files(Path dir) throws Exception {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("std")).sorted().toList();
        }
    }

    @Test
    void writesTheGivenVariablesMode600OwnedByTheServiceUser(@TempDir Path dir) throws Exception {
        Command run = render(dir, complete());
        assertThat(run.exit()).as(run.output()).isZero();
        Path env = dir.resolve(".env");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env))).isEqualTo("rw-------");
        if (root()) {
            assertThat(Files.getOwner(env).getName()).isEqualTo("nobody");
        }
        List<String> names = Files.readAllLines(env).stream().filter(l -> !l.startsWith("#"))
                .map(l -> l.substring(0, l.indexOf('='))).toList();
        // .env.example's order; the empty CORS_ORIGINS and the agent's LOG_LEVEL are left out
        assertThat(names).containsExactly("CREDENTIAL_ENCRYPTION_KEY", "JWT_SECRET_KEY", "POSTGRES_HOST",
                "POSTGRES_PASSWORD", "SYSTEM_ADMIN_PASSWORD");
        assertThat(Files.readAllLines(env)).contains("CREDENTIAL_ENCRYPTION_KEY=" + KEY, "POSTGRES_HOST=db.internal");
        assertThat(run.stdout() + run.stderr()).doesNotContain(KEY, JWT, "pl4nted", "s3cret-db-p4ss");
    }

    @Test
    void aShellReadsBackEveryValueExactly(@TempDir Path dir) throws Exception {
        assertThat(render(dir, complete()).exit()).isZero();
        // systemd's EnvironmentFile= reads double quotes with \ " $ ` escapes as a POSIX shell does
        Command read = Command.run(dir, Map.of("F", dir.resolve(".env").toString()), List.of("bash", "-c",
                "set -a; . \"$F\"; printf '%s\\0' \"$CREDENTIAL_ENCRYPTION_KEY\" \"$JWT_SECRET_KEY\" \"$SYSTEM_ADMIN_PASSWORD\" \"$POSTGRES_PASSWORD\""));
        assertThat(read.stdout().split("\0")).containsExactly(KEY, JWT, PASSWORD, "s3cret-db-p4ss");
    }

    @Test
    void refusesAMissingRequiredVariableByNameWithoutPrintingAValueEvenTraced(@TempDir Path dir) throws Exception {
        Map<String, String> env = complete();
        env.remove("KEYHOUSE_RENDER_JWT_SECRET_KEY");
        env.put("JWT_SECRET_KEY", JWT); // bound under the plain name by mistake
        Command run = render(dir, env, "-x");
        assertThat(run.exit()).as(run.output()).isEqualTo(78);
        assertThat(run.stderr()).contains("missing required variable KEYHOUSE_RENDER_JWT_SECRET_KEY",
                "JWT_SECRET_KEY is set, but only KEYHOUSE_RENDER_* variables are read");
        assertThat(run.stdout() + run.stderr()).doesNotContain(KEY, JWT, "pl4nted", "s3cret-db-p4ss");
        assertThat(files(dir)).isEmpty();
    }

    @Test
    void namesEveryMissingRequiredVariableAtOnce(@TempDir Path dir) throws Exception {
        Command run = render(dir, Map.of());
        assertThat(run.exit()).isEqualTo(78);
        assertThat(run.stderr()).contains("KEYHOUSE_RENDER_CREDENTIAL_ENCRYPTION_KEY", "KEYHOUSE_RENDER_JWT_SECRET_KEY",
                "KEYHOUSE_RENDER_SYSTEM_ADMIN_PASSWORD");
    }

    @Test
    void rejectsAnUnknownName(@TempDir Path dir) throws Exception {
        Map<String, String> env = complete();
        env.put("KEYHOUSE_RENDER_POSTGRES_PASWORD", "s3cret-typo-value");
        Command run = render(dir, env);
        assertThat(run.exit()).as(run.output()).isEqualTo(78);
        assertThat(run.stderr()).contains("unknown variable KEYHOUSE_RENDER_POSTGRES_PASWORD");
        assertThat(run.stdout() + run.stderr()).doesNotContain("s3cret-typo-value", "pl4nted");
        assertThat(files(dir)).isEmpty();
    }

    /** Every value of the hard corpus comes back exactly through Keyhouse's own reader and bash. */
    @Test
    void everyWritableValueIsReadBackTheSameByKeyhouseAndAShell(@TempDir Path dir) throws Exception {
        for (String value : dev.keyhouse.config.EnvFileDialectTest.corpus()) {
            if (value.isEmpty()) {
                continue; // an empty input is left out of the file by design
            }
            Map<String, String> env = complete();
            env.put("KEYHOUSE_RENDER_SYSTEM_ADMIN_PASSWORD", value);
            Command run = render(dir, env);
            assertThat(run.exit()).as(value + ": " + run.output()).isZero();
            String file = Files.readString(dir.resolve(".env"));
            assertThat(dev.keyhouse.config.EnvFileDialect.parse(file).findings()).as(value).isEmpty();
            assertThat(dev.keyhouse.config.EnvFileDialect.parse(file).values()).as("Keyhouse reads " + value)
                    .containsEntry("SYSTEM_ADMIN_PASSWORD", value);
            Command read = Command.run(dir, Map.of("F", dir.resolve(".env").toString()), List.of("bash", "-c",
                    "set -a; . \"$F\"; printf '%s' \"$SYSTEM_ADMIN_PASSWORD\""));
            assertThat(read.stdout()).as("bash reads " + value).isEqualTo(value);
        }
    }

    @Test
    void refusesAValueNoEnvFileLineHoldsAlike(@TempDir Path dir) throws Exception {
        Map<String, String> env = complete();
        env.put("KEYHOUSE_RENDER_SYSTEM_ADMIN_PASSWORD", "pl4nted 'quote' and $HOME");
        Command run = render(dir, env);
        assertThat(run.exit()).as(run.output()).isEqualTo(78);
        assertThat(run.stderr()).contains("KEYHOUSE_RENDER_SYSTEM_ADMIN_PASSWORD holds ' or \\\\ together with $ or a "
                + "backtick").doesNotContain("pl4nted");
        assertThat(files(dir)).isEmpty();
    }

    @Test
    void refusesALineBreakInAValue(@TempDir Path dir) throws Exception {
        Map<String, String> env = complete();
        env.put("KEYHOUSE_RENDER_POSTGRES_PASSWORD", "line-one\nINJECTED=1");
        Command run = render(dir, env);
        assertThat(run.exit()).isEqualTo(78);
        assertThat(run.stderr()).contains("KEYHOUSE_RENDER_POSTGRES_PASSWORD holds a line break").doesNotContain("INJECTED");
    }

    @Test
    void aRefusalLeavesThePreviousFileUntouched(@TempDir Path dir) throws Exception {
        Path env = dir.resolve(".env");
        Files.writeString(env, "JWT_SECRET_KEY=previous\n");
        Files.setPosixFilePermissions(env, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> missing = complete();
        missing.remove("KEYHOUSE_RENDER_SYSTEM_ADMIN_PASSWORD");
        assertThat(render(dir, missing).exit()).isEqualTo(78);
        assertThat(Files.readString(env)).isEqualTo("JWT_SECRET_KEY=previous\n");
        assertThat(files(dir)).containsExactly(".env");
    }

    @Test
    void aFailureAfterWritingRemovesTheTemporaryFileAndKeepsThePreviousOne(@TempDir Path dir) throws Exception {
        assumeTrue(root(), "chown runs only as root");
        Path env = dir.resolve(".env");
        Files.writeString(env, "JWT_SECRET_KEY=previous\n");
        Map<String, String> unknownUser = complete();
        unknownUser.put("KEYHOUSE_SERVICE_USER", "no-such-keyhouse-user");
        Command run = render(dir, unknownUser);
        assertThat(run.exit()).as(run.output()).isEqualTo(1);
        assertThat(run.stderr()).contains("service user no-such-keyhouse-user does not exist");
        assertThat(Files.readString(env)).isEqualTo("JWT_SECRET_KEY=previous\n");
        assertThat(files(dir)).containsExactly(".env");
    }

    @Test
    void theRequiredMarkersOfEnvExampleAreTheCatalogsRequiredVariables(@TempDir Path dir) throws Exception {
        Command list = Command.run(dir, Map.of(), List.of("bash", SCRIPT.toString(), "--list-required"));
        assertThat(list.exit()).as(list.output()).isZero();
        assertThat(list.stdout().lines().sorted().toList()).isEqualTo(EnvCatalog.all().stream()
                .filter(EnvVar::required).map(EnvVar::name).sorted().collect(Collectors.toList()));
    }
}
