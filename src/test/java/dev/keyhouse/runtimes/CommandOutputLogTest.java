package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.LogCapture;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * Issue 20 (follow-up, point 1): a command target's output reaches the log as one line. Its script prints its whole
 * (clean) environment, sources its environment file and prints a shared secret it was given, then prints a line
 * shaped like a Keyhouse log line, and fails; every attempt is logged. The log file (the real formatter, through
 * {@link dev.keyhouse.config.LogMask}) has the output on Keyhouse's own lines, never a line of its own; neither the
 * shared secret nor any of Keyhouse's configured secrets is in the log (the records are clean before the mask
 * too), in the run's error, or on the run page.
 */
@QuarkusTest
@TestProfile(Profiles.LoggedToFile.class)
class CommandOutputLogTest {

    private static final String SHARED = "/api/v1/shared-secrets";
    private static final String FORGED = "2026-12-01 10:00:00,000 INFO  [dev.keyhouse.auth.SignIn] forged";
    private final RuntimeApi api = new RuntimeApi();
    private Long sharedSecret;
    private Path dir;

    @AfterEach
    void cleanUp() throws Exception {
        api.deleteSharedSecret(sharedSecret);
        api.deleteCreated();
        RuntimeApi.deleteTree(dir);
    }

    @Test
    void aCommandsOutputIsOneLogLineAndEchoesNoSecret() throws Exception {
        String tag = RuntimeRestartTest.unique();
        String variable = "T_" + tag.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_LOGGED";
        String value = "planted-command-secret-" + UUID.randomUUID();
        dir = Files.createTempDirectory(Path.of(TestSettings.RUNTIME_ENV_DIRS), "command-log");
        Path envFile = dir.resolve("forger.env");
        long target = api.command("forger-" + tag, List.of("tracing"), "env; . '" + envFile + "' && echo \"leaked=$"
                + variable + "\"; printf 'ok\\n" + FORGED + "\\n'; exit 1", envFile.toString());

        JsonPath run;
        try (LogCapture records = LogCapture.installFirst()) {
            var created = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                    .body(Map.of("name", "forger-" + tag, "variable", variable, "value", value, "targets",
                            List.of(target)))
                    .post(SHARED);
            created.then().statusCode(201);
            sharedSecret = created.jsonPath().getLong("id");
            run = api.awaitRun(created.jsonPath().getLong("restartRun"), Duration.ofSeconds(60));
            assertThat(records.text()).as("the records are clean before the mask").doesNotContain(value);
        }
        assertThat(run.getString("results[0].state")).as(run.prettify()).isEqualTo(RestartResult.FAILED);
        String error = run.getString("results[0].error");
        assertThat(error).contains("leaked=[masked]").contains("forged").doesNotContain(value);
        String page = given().auth().oauth2(api.admin()).get("/admin/restarts/" + run.getLong("id")).then()
                .statusCode(200).extract().asString();
        assertThat(page).doesNotContain(value);

        List<String> lines = Files.readAllLines(Path.of(Profiles.LoggedToFile.LOG_FILE), StandardCharsets.UTF_8);
        List<String> quoting = lines.stream().filter(line -> line.contains("forged")).toList();
        // the driver's exception (raw) and the attempts' and the failure's lines (in plain words): each one line
        assertThat(quoting).as("the output is logged, on Keyhouse's lines").hasSizeGreaterThanOrEqualTo(2)
                .anyMatch(line -> line.contains("leaked=[masked]\\nok\\n" + FORGED))
                .allMatch(line -> line.contains("\\nok\\n2026-12-01 10:00:00,000 INFO"));
        assertThat(lines).as("no output line is a log line of its own").noneMatch(line -> line.startsWith(
                "2026-12-01 10:00:00,000") || line.startsWith("ok") || line.startsWith("leaked=")
                || line.startsWith("HOME=") || line.startsWith("KEYHOUSE_"));
        String log = String.join("\n", lines);
        for (String secret : List.of(value, TestSettings.ENCRYPTION_KEY, TestSettings.JWT_KEY,
                TestSettings.JWT_PREVIOUS_KEY, TestSettings.ADMIN_PASSWORD, TestSettings.RUNTIME_CONFIG_TOKEN)) {
            for (String form : SecretForms.of(secret, 12)) {
                assertThat(log).as("no configured or planted secret in the log").doesNotContain(form);
            }
        }
    }
}
