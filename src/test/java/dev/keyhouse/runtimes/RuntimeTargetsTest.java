package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Profiles;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/** /api/v1/runtimes: the JSON shape, write-only secrets, and a 400 naming the field for each kind of bad input. */
@QuarkusTest
@TestProfile(Profiles.FastRestarts.class)
class RuntimeTargetsTest {

    private static final String TOKEN = "recording-token-5e8a0c3b7f21";

    @Inject
    DataSource db;
    @Inject
    SecretFingerprints fingerprints;

    private final RuntimeApi api = new RuntimeApi();

    @AfterEach
    void deleteTargets() {
        api.deleteCreated();
    }

    @Test
    void aTargetRoundTripsWithItsSecretWriteOnly() {
        String name = "shape-" + RuntimeRestartTest.unique();
        long id = api.create(Map.of("name", name, "driver", "recording", "dependsOn", List.of("llm", "tts"),
                "config", Map.of("runtimes", "2", "token", TOKEN)));

        Response read = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id);

        read.then().statusCode(200);
        JsonPath json = read.jsonPath();
        assertThat(json.getString("name")).isEqualTo(name);
        assertThat(json.getString("driver")).isEqualTo("recording");
        assertThat(json.getList("dependsOn")).containsExactly("llm", "tts");
        assertThat(json.getBoolean("enabled")).isTrue();
        assertThat(json.getString("config.runtimes")).isEqualTo("2");
        assertThat(json.getMap("config.token")).containsEntry("configured", true)
                .containsEntry("fingerprint", fingerprints.of(TOKEN));
        assertThat(read.asString()).doesNotContain(TOKEN);
        assertThat(Rows.containing(db, TOKEN)).as("the token is sealed").isEmpty();
        assertThat(Rows.column(db, "SELECT count(*) FROM sealed_values WHERE purpose = ?",
                "runtime_target/" + id + "/token")).containsExactly("1");

        // an update without the secret keeps it; dependsOn absent keeps it too
        Response updated = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("enabled", false, "config", Map.of("runtimes", "3", "token", "")))
                .put("/api/v1/runtimes/" + id);
        updated.then().statusCode(200);
        assertThat(updated.jsonPath().getBoolean("enabled")).isFalse();
        assertThat(updated.jsonPath().getList("dependsOn")).containsExactly("llm", "tts");
        assertThat(updated.jsonPath().getString("config.token.fingerprint")).isEqualTo(fingerprints.of(TOKEN));
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes").jsonPath().getList("name"))
                .contains(name);

        given().auth().oauth2(api.admin()).delete("/api/v1/runtimes/" + id).then().statusCode(204);
        given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).then().statusCode(404);
        assertThat(Rows.column(db, "SELECT count(*) FROM sealed_values WHERE purpose = ?",
                "runtime_target/" + id + "/token")).as("the secret goes with the target").containsExactly("0");
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE target = ? ORDER BY id", name))
                .containsExactly("runtime.create", "runtime.update", "runtime.delete");
    }

    @Test
    void badInputIsA400NamingTheField() {
        assertField(Map.of("driver", "command", "config", Map.of("command", "true")), "name");
        assertField(Map.of("name", "has space", "driver", "command", "config", Map.of("command", "true")), "name");
        assertField(Map.of("name", "n1", "driver", "teleport", "config", Map.of()), "driver");
        assertField(Map.of("name", "n1", "config", Map.of()), "driver");
        assertField(Map.of("name", "n1", "driver", "command", "dependsOn", List.of("llm", "weather"),
                "config", Map.of("command", "true")), "dependsOn");
        assertField(Map.of("name", "n1", "driver", "command", "dependsOn", List.of(),
                "config", Map.of("command", "true")), "dependsOn");
        assertField(Map.of("name", "n1", "driver", "command", "dependsOn", "llm",
                "config", Map.of("command", "true")), "dependsOn");
        assertField(Map.of("name", "n1", "driver", "command", "config", Map.of()), "config.command");
        assertField(Map.of("name", "n1", "driver", "command",
                "config", Map.of("command", "true", "environmentFile", "keys.env")), "config.environmentFile");
        assertField(Map.of("name", "n1", "driver", "command", "config", Map.of("command", "true", "colour", "red")),
                "config.colour");
        assertField(Map.of("name", "n1", "driver", "command", "config", Map.of("command", 5)), "config.command");
        assertField(Map.of("name", "n1", "driver", "recording", "config", Map.of("runtimes", "2")), "config.token");
        assertField(Map.of("name", "n1", "driver", "recording", "config", Map.of("runtimes", "0", "token", "t")),
                "config.runtimes");
        assertField(Map.of("name", "n1", "driver", "command", "enabled", "yes", "config", Map.of("command", "true")),
                "enabled");
        String name = "taken-" + RuntimeRestartTest.unique();
        api.command(name, List.of("llm"), "true", null);
        assertField(Map.of("name", name, "driver", "command", "config", Map.of("command", "true")), "name");

        given().auth().oauth2(api.admin()).contentType(ContentType.JSON).body("{not json")
                .post("/api/v1/runtimes").then().statusCode(400);
        given().auth().oauth2(api.admin()).get("/api/v1/runtimes/not-a-number").then().statusCode(404);
        given().auth().oauth2(api.admin()).get("/api/v1/restarts/999999").then().statusCode(404)
                .contentType("application/problem+json");
    }

    /** Target secrets and URLs follow the rules provider settings follow (FieldRules), refusals name the field. */
    @Test
    void pastedSecretsAndUrlsAreCleanedByTheSameRulesAsProviderSettings() {
        Response refused = api.post(Map.of("name", "paste-" + RuntimeRestartTest.unique(), "driver", "recording",
                "config", Map.of("token", TOKEN + "\u200B")));
        refused.then().statusCode(400).contentType("application/problem+json");
        assertThat(refused.jsonPath().getList("errors", Map.class)).containsExactly(Map.of("field", "config.token",
                "message", "invisible character U+200B (zero width space) at position " + (TOKEN.length() + 1)));
        assertThat(refused.asString()).doesNotContain(TOKEN);

        // ASCII whitespace at the ends is trimmed before sealing, as for a provider key
        long id = api.create(Map.of("name", "paste-" + RuntimeRestartTest.unique(), "driver", "recording",
                "config", Map.of("token", "  " + TOKEN + "\n")));
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath()
                .getString("config.token.fingerprint")).isEqualTo(fingerprints.of(TOKEN));
        // a refused update keeps the stored secret
        given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("config", Map.of("token", "\uFEFF" + TOKEN))).put("/api/v1/runtimes/" + id)
                .then().statusCode(400).body("errors[0].field", org.hamcrest.Matchers.equalTo("config.token"))
                .body("errors[0].message", org.hamcrest.Matchers.equalTo(
                        "invisible character U+FEFF (zero width no-break space) at position 1"));
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath()
                .getString("config.token.fingerprint")).isEqualTo(fingerprints.of(TOKEN));

        String secret = "whsec-0123456789abcdef-keyhouse";
        long http = api.create(Map.of("name", "paste-" + RuntimeRestartTest.unique(), "driver", "http",
                "config", Map.of("url", " HTTP://Voice-1.Internal:08443/reload ", "secret", secret)));
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + http).jsonPath()
                .getString("config.url")).isEqualTo("http://voice-1.internal:8443/reload");
        Response underscore = api.post(Map.of("name", "paste-" + RuntimeRestartTest.unique(), "driver", "http",
                "config", Map.of("url", "http://voice_1:8080/reload", "secret", secret)));
        underscore.then().statusCode(400);
        assertThat(underscore.jsonPath().getString("errors[0].field")).isEqualTo("config.url");
        assertThat(underscore.jsonPath().getString("errors[0].message")).contains("'_'").contains("network alias");
        Response invisible = api.post(Map.of("name", "paste-" + RuntimeRestartTest.unique(), "driver", "http",
                "config", Map.of("url", "http://voice-1/reload\u00A0", "secret", secret)));
        invisible.then().statusCode(400);
        assertThat(invisible.jsonPath().getString("errors[0].message"))
                .isEqualTo("non-ASCII space U+00A0 (no-break space) at position 22");
    }

    /**
     * Item 2 of issue 14 for runtime targets: moving an http target's URL to another origin (scheme, host or port)
     * keeps no stored signing secret; the same origin written differently, or another path, does.
     */
    @Test
    void aStoredSigningSecretIsNeverSentToANewHost() {
        String secret = "whsec-destination-0123456789abcdef";
        long id = api.create(Map.of("name", "dest-" + RuntimeRestartTest.unique(), "driver", "http",
                "config", Map.of("url", "https://voice-1.test/reload", "secret", secret)));
        String fingerprint = fingerprints.of(secret);
        for (String moved : List.of("https://collector.attacker.test/reload", "http://voice-1.test/reload",
                "https://voice-1.test:8443/reload", "https://voice-1.test.attacker.test/reload",
                "https://voice-2.test/reload", "https://127.0.0.1/reload", "https://[::1]:443/reload",
                "https://voice-1.test./reload")) {
            Response refused = put(id, Map.of("url", moved));
            refused.then().statusCode(400).contentType("application/problem+json");
            assertThat(refused.jsonPath().getList("errors", Map.class)).as(moved).containsExactly(Map.of(
                    "field", "config.secret", "message", "enter the signing secret again: the Reload URL now points to"
                            + " another origin (scheme, host or port), and a stored secret is never sent to a new"
                            + " destination"));
            assertThat(url(id)).isEqualTo("https://voice-1.test/reload");
        }
        // user info is refused outright, so https://voice-1.test@attacker.test never stands for voice-1.test
        Response userinfo = put(id, Map.of("url", "https://voice-1.test@attacker.test/reload"));
        userinfo.then().statusCode(400);
        assertThat(userinfo.jsonPath().getList("errors.field")).contains("config.url");
        assertThat(url(id)).isEqualTo("https://voice-1.test/reload");

        // a trailing dot is another name to a resolver with search domains (Kubernetes' ndots:5): another origin
        for (String samePlace : List.of("https://voice-1.test:443/reload", "HTTPS://VOICE-1.Test/reload",
                "https://voice-1.test/v2/reload?fleet=voice")) {
            put(id, Map.of("url", samePlace)).then().statusCode(200)
                    .body("config.secret.fingerprint", org.hamcrest.Matchers.equalTo(fingerprint));
        }
        // entering the secret again moves it, and a summary sent back as read counts as not entered
        put(id, Map.of("url", "https://voice-2.test/reload", "secret", secret)).then().statusCode(200);
        assertThat(url(id)).isEqualTo("https://voice-2.test/reload");
        given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("config", Map.of("url", "https://voice-3.test/reload",
                        "secret", Map.of("configured", true, "fingerprint", fingerprint))))
                .put("/api/v1/runtimes/" + id).then().statusCode(400)
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("config.secret"));
    }

    /**
     * EGRESS_ALLOWED_HOSTS (the tests list loopback only) and RUNTIME_ENV_DIRS (the tests list the temporary folder)
     * at save: a URL the egress policy refuses and an environment file outside the listed folders are a 400 naming
     * the field; what they list is saved.
     */
    @Test
    void theEgressPolicyAndTheEnvironmentFoldersAreAppliedWhenATargetIsSaved() throws Exception {
        String secret = "whsec-egress-0123456789abcdef";
        api.create(Map.of("name", "egress-" + RuntimeRestartTest.unique(), "driver", "http",
                "config", Map.of("url", "http://127.0.0.1:9/reload", "secret", secret)));
        api.create(Map.of("name", "egress-" + RuntimeRestartTest.unique(), "driver", "http",
                "config", Map.of("url", "http://localhost:9/reload", "secret", secret)));
        for (Map.Entry<String, String> refused : Map.of(
                "http://10.0.0.7/reload", "is refused: 10.0.0.7 is a private address, which Keyhouse connects to"
                        + " only when EGRESS_ALLOWED_HOSTS lists it",
                "http://169.254.169.254/latest/meta-data/", "is refused: 169.254.169.254 is a link-local address"
                        + " (the range of cloud metadata services), which Keyhouse never connects to",
                "http://[fd00::1]/reload", "is refused: [fd00::1] (fd00:0:0:0:0:0:0:1) is a unique-local IPv6 address,"
                        + " which Keyhouse connects to only when EGRESS_ALLOWED_HOSTS lists it",
                "http://0x7f.1/reload", "is refused: 0x7f.1 is a number but not an address in its usual form"
                        + " (a.b.c.d): resolvers read such forms differently, some as 127.0.0.1, so Keyhouse never"
                        + " connects to one; write the address as a.b.c.d",
                "http://[::ffff:a9fe:a9fe]/", "is refused: [::ffff:a9fe:a9fe] (169.254.169.254) is a link-local"
                        + " address (the range of cloud metadata services), which Keyhouse never connects to").entrySet()) {
            Response response = api.post(Map.of("name", "egress-" + RuntimeRestartTest.unique(), "driver", "http",
                    "config", Map.of("url", refused.getKey(), "secret", secret)));
            response.then().statusCode(400).contentType("application/problem+json");
            assertThat(response.jsonPath().getList("errors", Map.class)).as(refused.getKey())
                    .containsExactly(Map.of("field", "config.url", "message", refused.getValue()));
        }

        java.nio.file.Path folder = java.nio.file.Files.createTempDirectory("keyhouse-env-dirs");
        api.command("env-" + RuntimeRestartTest.unique(), List.of("llm"), "true", folder.resolve("voice.env").toString());
        for (String outside : List.of("/etc/keyhouse-test.env", folder + "/../../etc/voice.env", "/root/.bashrc")) {
            Response response = api.post(Map.of("name", "env-" + RuntimeRestartTest.unique(), "driver", "command",
                    "config", Map.of("command", "true", "environmentFile", outside)));
            response.then().statusCode(400);
            assertThat(response.jsonPath().getList("errors.field")).as(outside)
                    .containsExactly("config.environmentFile");
        }
    }

    private Response put(long id, Map<String, ?> config) {
        return given().auth().oauth2(api.admin()).contentType(ContentType.JSON).body(Map.of("config", config))
                .put("/api/v1/runtimes/" + id);
    }

    private String url(long id) {
        return given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath().getString("config.url");
    }

    /**
     * Issue 16: canary, confirmation and held are written on create and update like the other members (absent keeps
     * them), answered with the confirmation that applies and the shared-config reason, and audited in the update.
     */
    @Test
    void rolloutSettingsRoundTripAndAreAudited() throws Exception {
        String name = "rollout-" + RuntimeRestartTest.unique();
        long id = api.create(Map.of("name", name, "driver", "command", "dependsOn", List.of("tts"),
                "config", Map.of("command", "true")));
        JsonPath created = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath();
        assertThat(created.getBoolean("canary")).isFalse();
        assertThat(created.getString("confirmation")).isEqualTo("auto");
        assertThat(created.getBoolean("held")).isFalse();
        assertThat(created.getString("confirmationApplied.mode")).isEqualTo("none");
        assertThat(created.getBoolean("confirmationApplied.weak")).isTrue();
        assertThat(created.getString("sharedConfig")).isNull();

        Response updated = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("canary", true, "confirmation", " report ", "held", true)).put("/api/v1/runtimes/" + id);
        updated.then().statusCode(200);
        assertThat(updated.jsonPath().getBoolean("canary")).isTrue();
        assertThat(updated.jsonPath().getString("confirmation")).isEqualTo("report");
        assertThat(updated.jsonPath().getBoolean("held")).isTrue();
        assertThat(updated.jsonPath().getMap("confirmationApplied")).isEqualTo(Map.of("mode", "report",
                "reason", "set on the target", "weak", false));
        // the answer sent back as read changes nothing; members left out keep what is stored
        Map<String, Object> asRead = new java.util.HashMap<>(updated.jsonPath().getMap(""));
        given().auth().oauth2(api.admin()).contentType(ContentType.JSON).body(asRead).put("/api/v1/runtimes/" + id)
                .then().statusCode(200);
        JsonPath kept = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("config", Map.of("command", "true"))).put("/api/v1/runtimes/" + id).then().statusCode(200)
                .extract().jsonPath();
        assertThat(List.of(kept.getBoolean("canary"), kept.getString("confirmation"), kept.getBoolean("held")))
                .containsExactly(true, "report", true);
        assertThat(Rows.column(db, "SELECT canary || ' ' || confirmation || ' ' || held FROM runtime_targets"
                + " WHERE id = ?", id)).containsExactly("true report true");
        assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE target = ? AND action = 'runtime.update'"
                + " ORDER BY id LIMIT 1", name)).singleElement().asString()
                .isEqualTo("changed canary false → true, confirmation auto → report, held false → true");

        String file = java.nio.file.Files.createTempDirectory("keyhouse-rollout").resolve("voice.env").toString();
        long shared = api.create(Map.of("name", "rollout-" + RuntimeRestartTest.unique(), "driver", "command",
                "canary", true, "confirmation", "fetch", "held", false,
                "config", Map.of("command", "true", "environmentFile", file)));
        JsonPath withFile = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + shared).jsonPath();
        assertThat(withFile.getBoolean("canary")).isTrue();
        assertThat(withFile.getString("confirmation")).isEqualTo("fetch");
        assertThat(withFile.getString("sharedConfig"))
                .isEqualTo("one environment file (" + file + ") is written for the whole target");
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes").jsonPath()
                .getString("find { it.id == " + shared + " }.confirmationApplied.mode")).isEqualTo("fetch");
    }

    @Test
    void badRolloutSettingsAreA400NamingTheField() {
        for (Object bad : List.of("sometimes", "AUTO", "", "report,fetch", 1, true, List.of("report"), Map.of())) {
            assertField(Map.of("name", "n1", "driver", "command", "confirmation", bad, "config",
                    Map.of("command", "true")), "confirmation");
        }
        for (String flag : List.of("canary", "held")) {
            for (Object bad : List.of("yes", "true", 1, List.of())) {
                assertField(Map.of("name", "n1", "driver", "command", flag, bad, "config", Map.of("command", "true")),
                        flag);
            }
        }
        long id = api.command("rollout-bad-" + RuntimeRestartTest.unique(), List.of("tts"), "true", null);
        Response refused = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("confirmation", "health check", "canary", true)).put("/api/v1/runtimes/" + id);
        refused.then().statusCode(400).contentType("application/problem+json");
        assertThat(refused.jsonPath().getList("errors", Map.class)).containsExactly(Map.of("field", "confirmation",
                "message", "must be one of auto, report, fetch, health, none"));
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath().getBoolean("canary"))
                .as("nothing of a refused update is saved").isFalse();
    }

    /**
     * Issue 16 (breaker): {@code confirmation: health} on a driver that never has a health signal (command, systemd,
     * http) would fail every wave unconfirmed; it is refused at save, on create and update, over REST and on the page,
     * with a 400 naming {@code confirmation}, and nothing is saved. Docker and kubernetes keep it.
     */
    @Test
    void healthConfirmationIsRefusedOnDriversWithoutAHealthSignal() {
        String message = "health needs a health signal: docker containers with a healthcheck, or kubernetes";
        List<Map<String, Object>> noSignal = List.of(
                Map.of("driver", "command", "config", Map.of("command", "true")),
                Map.of("driver", "systemd", "config", Map.of("unit", "voxcore@*.service")),
                Map.of("driver", "http", "config", Map.of("url", "http://voice-1.internal:8443/reload",
                        "secret", "health-signing-secret-8c2e4a6f1b3d")));
        for (Map<String, Object> target : noSignal) {
            for (String health : List.of("health", " health ")) {
                Map<String, Object> body = new java.util.HashMap<>(target);
                body.putAll(Map.of("name", "health-" + RuntimeRestartTest.unique(), "dependsOn", List.of("tts"),
                        "confirmation", health));
                Response refused = api.post(body);
                refused.then().statusCode(400).contentType("application/problem+json");
                assertThat(refused.jsonPath().getList("errors", Map.class)).as(body.toString())
                        .containsExactly(Map.of("field", "confirmation", "message", message));
                assertThat(Rows.column(db, "SELECT id FROM runtime_targets WHERE name = ?", body.get("name")))
                        .as("nothing of a refused create is saved").isEmpty();
            }
        }
        long command = api.command("health-" + RuntimeRestartTest.unique(), List.of("tts"), "true", null);
        Response update = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("confirmation", "health", "canary", true)).put("/api/v1/runtimes/" + command);
        update.then().statusCode(400);
        assertThat(update.jsonPath().getList("errors", Map.class)).containsExactly(Map.of("field", "confirmation",
                "message", message));
        assertThat(Rows.column(db, "SELECT confirmation || ' ' || canary FROM runtime_targets WHERE id = ?", command))
                .containsExactly("auto false");

        // a target already on health cannot move to a driver without a signal and keep it
        long k8s = api.create(Map.of("name", "health-" + RuntimeRestartTest.unique(), "driver", "kubernetes",
                "dependsOn", List.of("tts"), "confirmation", "health", "config", Map.of("namespace", "voice",
                        "labelSelector", "app=voice", "secretName", "voice-env")));
        Response moved = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("driver", "command", "config", Map.of("command", "true"))).put("/api/v1/runtimes/" + k8s);
        moved.then().statusCode(400);
        assertThat(moved.jsonPath().getList("errors.field")).containsExactly("confirmation");
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + k8s).jsonPath().getString("driver"))
                .isEqualTo("kubernetes");

        // the page: the same 400, the message beside the field, the form kept
        String session = dev.keyhouse.auth.Browser.session(dev.keyhouse.TestSettings.ADMIN_EMAIL,
                dev.keyhouse.TestSettings.ADMIN_PASSWORD);
        String name = "health-page-" + RuntimeRestartTest.unique();
        Response form = given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session).get("/admin/runtimes");
        form.then().statusCode(200);
        Response added = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session).cookies(form.getCookies())
                .formParam("csrf-token", dev.keyhouse.auth.Browser.tokenIn(form.asString()))
                .formParam("name", name).formParam("driver", "command").formParam("dependsOn", "tts")
                .formParam("enabled", "true").formParam("confirmation", "health")
                .formParam("config.command", "true").post("/admin/runtimes");
        added.then().statusCode(400);
        assertThat(added.asString()).contains("Confirmation: " + message).contains("value=\"" + name + "\"");
        assertThat(Rows.column(db, "SELECT id FROM runtime_targets WHERE name = ?", name)).isEmpty();
        Response edit = given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session)
                .get("/admin/runtimes/" + command);
        Response edited = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session).cookies(edit.getCookies())
                .formParam("csrf-token", dev.keyhouse.auth.Browser.tokenIn(edit.asString()))
                .formParam("version", java.util.regex.Pattern.compile("name=\"version\" value=\"(\\d+)\"")
                        .matcher(edit.asString()).results().findFirst().orElseThrow().group(1))
                .formParam("name", "health-page-edit").formParam("dependsOn", "tts").formParam("enabled", "true")
                .formParam("confirmation", "health").formParam("config.command", "true")
                .post("/admin/runtimes/" + command);
        edited.then().statusCode(400);
        assertThat(edited.asString()).contains("Confirmation: " + message);
        assertThat(Rows.column(db, "SELECT confirmation FROM runtime_targets WHERE id = ?", command))
                .containsExactly("auto");
    }

    /** Hold and release over REST: the target answered, audited once per change, 404 unknown, 403 for a viewer. */
    @Test
    void holdAndReleaseAreAuditedAndShownOnTheTarget() {
        String name = "hold-" + RuntimeRestartTest.unique();
        long id = api.command(name, List.of("tts"), "true", null);

        Response held = given().auth().oauth2(api.admin()).post("/api/v1/runtimes/" + id + "/hold");
        held.then().statusCode(200).contentType(ContentType.JSON);
        assertThat(held.jsonPath().getBoolean("held")).isTrue();
        assertThat(held.jsonPath().getString("name")).isEqualTo(name);
        // issue 20 (truth 2, point 3): holding a held target changes nothing, so it says so (409) and is not audited
        Response again = given().auth().oauth2(api.admin()).post("/api/v1/runtimes/" + id + "/hold");
        again.then().statusCode(409).contentType("application/problem+json");
        assertThat(again.jsonPath().getString("detail")).isEqualTo("Runtime target " + name
                + " is already on hold: nothing was changed.");
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath().getBoolean("held"))
                .isTrue();
        Response released = given().auth().oauth2(api.admin()).post("/api/v1/runtimes/" + id + "/release");
        released.then().statusCode(200);
        assertThat(released.jsonPath().getBoolean("held")).isFalse();
        again = given().auth().oauth2(api.admin()).post("/api/v1/runtimes/" + id + "/release");
        again.then().statusCode(409);
        assertThat(again.jsonPath().getString("detail")).isEqualTo("Runtime target " + name
                + " is already not on hold: nothing was changed.");
        // the pages alike: the layout's error notice, no flash, nothing changed
        String session = dev.keyhouse.auth.Browser.session(dev.keyhouse.TestSettings.ADMIN_EMAIL,
                dev.keyhouse.TestSettings.ADMIN_PASSWORD);
        Map<String, String> pages = Map.of("/admin/runtimes/" + id + "/release", "already not on hold",
                "/admin/runtimes/" + id + "/enabled", "already enabled");
        for (Map.Entry<String, String> page : pages.entrySet()) {
            Response answer = dev.keyhouse.auth.Browser.signedInForm(session).formParam("enabled", "true")
                    .post(page.getKey());
            assertThat(answer.statusCode()).as(page.getKey()).isEqualTo(409);
            assertThat(answer.asString()).contains("Runtime target " + name + " is " + page.getValue()
                    + ": nothing was changed.");
            assertThat(answer.getCookie(dev.keyhouse.web.Flash.COOKIE)).isNull();
        }

        assertThat(Rows.column(db, "SELECT action || ': ' || detail FROM audit_events WHERE target = ?"
                + " AND action LIKE 'runtime.%' ORDER BY id", name)).containsExactly(
                        "runtime.create: created: name (unset) → " + name + ", driver (unset) → command, dependsOn"
                                + " (unset) → tts, enabled (unset) → true, canary (unset) → false, confirmation (unset)"
                                + " → auto, held (unset) → false, config.command (unset) → true",
                        "runtime.hold: left out of rollouts until released", "runtime.release: back in rollouts");

        given().auth().oauth2(api.admin()).post("/api/v1/runtimes/999999/hold").then().statusCode(404)
                .contentType("application/problem+json");
        given().auth().oauth2(api.admin()).post("/api/v1/runtimes/999999/release").then().statusCode(404);
        String viewer = ApiClient.viewerToken("hold-viewer@keyhouse.test");
        given().auth().oauth2(viewer).post("/api/v1/runtimes/" + id + "/hold").then().statusCode(403);
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).jsonPath().getBoolean("held"))
                .isFalse();
    }

    @Test
    void aViewerReadsButCannotWrite() {
        String viewer = ApiClient.viewerToken("runtimes-viewer@keyhouse.test");
        given().auth().oauth2(viewer).get("/api/v1/runtimes").then().statusCode(200);
        given().auth().oauth2(viewer).contentType(ContentType.JSON)
                .body(Map.of("name", "nope", "driver", "command", "config", Map.of("command", "true")))
                .post("/api/v1/runtimes").then().statusCode(403);
    }

    private void assertField(Map<String, Object> body, String field) {
        Response response = api.post(body);
        response.then().statusCode(400).contentType("application/problem+json");
        assertThat(response.jsonPath().getList("errors.field")).as(body.toString()).contains(field);
    }
}
