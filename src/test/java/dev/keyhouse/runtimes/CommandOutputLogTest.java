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
 * Issue 20 (follow-up, point 1) and breaker bmask: a command target's output never reaches the log. Its script prints
 * its whole (clean) environment, sources its environment file and prints a shared secret it was given, then prints a
 * line shaped like a Keyhouse log line, and fails; every attempt is logged. The log file (the real formatter, through
 * {@link dev.keyhouse.config.LogMask}) has the failure with a note in place of the output, no output line at all;
 * neither the shared secret nor any of Keyhouse's configured secrets is in the log (the records are clean before the
 * mask too), in the run's error, or on the run page. A runtime's own text — a command's output, a webhook's
 * answer — is shown to admins only ({@link RuntimeOutput}): a secret it prints transformed (hex) is beyond any mask.
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
        // breaker bmask: the output is the runtime's own text, never logged (RuntimeOutput); the failure is, without it
        assertThat(lines).as("the output is not logged").noneMatch(line -> line.contains("forged")
                || line.contains("leaked="));
        assertThat(lines).as("the attempts and the failure are logged, a note for the output")
                .anyMatch(line -> line.contains("forger-" + tag) && line.contains(RuntimeOutput.NOT_LOGGED));
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

    /**
     * Breaker bmask (high): a runtime can print a key in a form no mask knows (hex through {@code od}, a webhook
     * answering it in hex). The runtime's own text is shown to admins only: an admin's API answer and run page hold
     * it (masked); a viewer's API answer, run page and runtimes list hold Keyhouse's reason and a note; the log holds
     * neither the output nor the secret in any form.
     */
    @Test
    void aRuntimesOwnOutputIsShownToAdminsOnlyAndNeverLogged() throws Exception {
        String tag = RuntimeRestartTest.unique();
        String variable = "T_" + tag.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_HEXED";
        String id = UUID.randomUUID().toString().replace("-", "");
        String value = "hexed-" + id;
        // the command computes it, so the command's own text (on the target's page) never holds it
        String marker = "own-words-42-" + id.substring(0, 10);
        // od -An -tx1 prints bytes as " 68 65 78 …"; the webhook answers the same bytes as one hex word
        String spaced = hex(id.substring(0, 6), " ");
        String joined = hex(id.substring(0, 6), "");
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = (marker + " overloaded; key " + hex(value, "")).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            // the command reads the shared secret from its environment file (its process environment is clean)
            dir = Files.createTempDirectory(Path.of(TestSettings.RUNTIME_ENV_DIRS), "command-hex");
            Path envFile = dir.resolve("hexer.env");
            long command = api.command("hexer-" + tag, List.of("tracing"), "echo own-words-$((6*7))-"
                    + id.substring(0, 10) + "; . '" + envFile + "' && printf %s \"$" + variable
                    + "\" | od -An -tx1; exit 3", envFile.toString());
            long webhook = api.create(Map.of("name", "hexhook-" + tag, "driver", "http", "dependsOn",
                    List.of("tracing"), "config", Map.of("url", "http://127.0.0.1:" + server.getAddress().getPort()
                            + "/hook", "secret", "webhook-secret-" + tag + "-0123456789")));
            String viewer = dev.keyhouse.auth.Browser.uniqueEmail("output-viewer");
            dev.keyhouse.auth.Browser.newUser(viewer, "viewer");
            String session = dev.keyhouse.auth.Browser.session(viewer, dev.keyhouse.auth.Browser.PASSWORD);
            long runId;
            try (LogCapture records = LogCapture.installFirst()) {
                var created = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                        .body(Map.of("name", "hexer-" + tag, "variable", variable, "value", value, "targets",
                                List.of(command, webhook)))
                        .post(SHARED);
                created.then().statusCode(201);
                sharedSecret = created.jsonPath().getLong("id");
                runId = created.jsonPath().getLong("restartRun");
                JsonPath run = api.awaitRun(runId, Duration.ofSeconds(60));
                assertThat(run.getList("results.state")).as(run.prettify()).containsOnly(RestartResult.FAILED);
                assertThat(records.text()).as("the records hold no output").doesNotContain(marker, spaced, joined,
                        value);
            }
            String commandTarget = "results.find { it.target == 'hexer-" + tag + "' }.error";
            String webhookTarget = "results.find { it.target == 'hexhook-" + tag + "' }.error";
            JsonPath asAdmin = given().auth().oauth2(api.admin()).get("/api/v1/restarts/" + runId).then()
                    .statusCode(200).extract().jsonPath();
            assertThat(asAdmin.getString(commandTarget)).as("an admin reads the command's output")
                    .startsWith("command exited with code 3; last output:\n" + marker).contains(spaced)
                    .doesNotContain(value, "\u0002", "\u0003");
            assertThat(asAdmin.getString(webhookTarget)).as("an admin reads the webhook's answer")
                    .startsWith("refused by the runtime (HTTP 503)").contains("it answered: " + marker)
                    .contains(joined).doesNotContain(value);
            JsonPath asViewer = given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session)
                    .get("/api/v1/restarts/" + runId).then().statusCode(200).extract().jsonPath();
            assertThat(asViewer.getString(commandTarget)).isEqualTo("command exited with code 3; last output:\n"
                    + RuntimeOutput.NOT_SHOWN);
            assertThat(asViewer.getString(webhookTarget)).startsWith("refused by the runtime (HTTP 503)")
                    .endsWith("; it answered: " + RuntimeOutput.NOT_SHOWN).doesNotContain(marker, joined);
            assertThat(given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session)
                    .get("/api/v1/restarts").then().statusCode(200).extract().asString())
                    .as("a viewer's list of runs").doesNotContain(marker, spaced, joined);
            for (String path : List.of("/admin/restarts/" + runId, "/admin/runtimes", "/admin/runtimes/" + command)) {
                String page = given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session).get(path)
                        .then().statusCode(200).extract().asString();
                assertThat(page).as("a viewer's " + path).doesNotContain(marker, spaced, joined, value);
            }
            String page = given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session)
                    .get("/admin/restarts/" + runId).then().extract().asString();
            assertThat(page).contains("own output is shown to admins");
            String adminPage = given().auth().oauth2(api.admin()).get("/admin/restarts/" + runId).then()
                    .statusCode(200).extract().asString();
            assertThat(adminPage).as("an admin's run page").contains(marker).contains(joined).doesNotContain(value);

            String log = Files.readString(Path.of(Profiles.LoggedToFile.LOG_FILE), StandardCharsets.UTF_8);
            assertThat(log).as("the failures are logged").contains("hexer-" + tag).contains("hexhook-" + tag);
            assertThat(log).as("neither the output nor the secret in any form is logged")
                    .doesNotContain(marker, spaced, joined, value, id.substring(0, 12));
        } finally {
            server.stop(0);
        }
    }

    /** {@code text}'s UTF-8 bytes in lower-case hex, joined by {@code separator}. */
    private static String hex(String text, String separator) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.append(out.length() == 0 ? "" : separator).append(String.format("%02x", b));
        }
        return out.toString();
    }
}
