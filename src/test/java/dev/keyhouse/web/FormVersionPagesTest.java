package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.checks.DeepgramStandIn;
import dev.keyhouse.checks.StandIn;
import dev.keyhouse.settings.ProviderEntriesTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * Issue 20: an edit form posted with a forged or malformed hidden {@code version} (not a number, negative, empty,
 * too long, one no page ever showed) answers 400 with the form re-rendered, everything typed kept (a typed secret in
 * that answer only, as every refused form keeps it) and the error naming {@code version}; never a bare error page,
 * never 500. Every page form that carries a version is posted: the settings form, a fallback's add and edit forms, a
 * runtime target's and a shared secret's edit forms.
 */
@QuarkusTest
class FormVersionPagesTest {

    /**
     * Forged versions: not a number, negative, empty, blank, too long for a long, a fraction, and one ahead of every
     * current version (a runtime target's version is its update time in microseconds).
     */
    static final List<String> FORGED = List.of("abc", "-1", "", " ", "99999999999999999999999999", "1.5",
            "999999999999999999");

    @Inject
    javax.sql.DataSource db;

    private final List<String> cleanups = new java.util.ArrayList<>();
    private String session;
    private String csrf;
    private String tag;

    @BeforeEach
    void signIn() {
        session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        csrf = Browser.csrfOf(session);
        tag = UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void cleanUp() {
        for (String path : cleanups) {
            api().delete(path);
        }
        cleanups.clear();
    }

    @Test
    void theSettingsFormKeepsWhatWasTyped() {
        String key = "sk-forged-version-" + tag + "-4b1e";
        for (String version : FORGED) {
            Response refused = form().formParam("version", version).formParam("provider", "openai")
                    .formParam("model", "typed-model-" + tag).formParam("apiKey", key).post("/admin/settings/llm");
            assertRefusedWithTheForm(refused, version, "action=\"/admin/settings/llm\"", "typed-model-" + tag, key);
        }
    }

    @Test
    void aFallbacksAddAndEditFormsKeepWhatWasTyped() {
        ProviderEntriesTest.removeFallbacks(db);
        try (DeepgramStandIn deepgram = new DeepgramStandIn()) {
            // fallbacks need a primary of another provider: deepgram, checked against its stand-in on loopback
            String etag = api().get("/api/v1/settings/stt").then().statusCode(200).extract().header("ETag");
            Response primary = api().contentType(ContentType.JSON).header("If-Match", etag).body(Map.of("provider",
                    "deepgram", "model", "nova-3", "baseUrl", deepgram.url(), "apiKey",
                    deepgram.key(StandIn.Scenario.GOOD))).put("/api/v1/settings/stt");
            assertThat(primary.statusCode()).as(primary.asString()).isEqualTo(200);
            String key = "custom-forged-" + tag + "-77aa";
            for (String version : FORGED) {
                Response refused = form().formParam("version", version).formParam("provider", "custom")
                        .formParam("model", "typed-model-" + tag).formParam("baseUrl", "http://127.0.0.1:9/stt")
                        .formParam("apiKey", key).post("/admin/settings/stt/providers");
                assertRefusedWithTheForm(refused, version, "action=\"/admin/settings/stt/providers\"",
                        "typed-model-" + tag, key);
            }
            Response created = api().contentType(ContentType.JSON).body(Map.of("provider", "custom", "model",
                    "stt-" + tag, "baseUrl", "http://127.0.0.1:9/stt", "apiKey", "custom-stored-" + tag))
                    .post("/api/v1/settings/stt/providers");
            assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
            long id = created.jsonPath().getLong("id");
            for (String version : FORGED) {
                Response refused = form().formParam("version", version).formParam("provider", "custom")
                        .formParam("model", "typed-model-" + tag).formParam("baseUrl", "http://127.0.0.1:9/stt")
                        .formParam("apiKey", key).post("/admin/settings/stt/providers/" + id);
                assertRefusedWithTheForm(refused, version, "action=\"/admin/settings/stt/providers/" + id + "\"",
                        "typed-model-" + tag, key);
            }
        } finally {
            ProviderEntriesTest.removeFallbacks(db);
        }
    }

    @Test
    void aRuntimeTargetsEditFormKeepsWhatWasTyped() {
        Response created = api().contentType(ContentType.JSON).body(Map.of("name", "forged-" + tag, "driver",
                "command", "dependsOn", List.of("tts"), "config", Map.of("command", "true")))
                .post("/api/v1/runtimes");
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        long id = created.jsonPath().getLong("id");
        cleanups.add("/api/v1/runtimes/" + id);
        for (String version : FORGED) {
            Response refused = form().formParam("version", version).formParam("name", "typed-name-" + tag)
                    .formParam("driver", "command").formParam("dependsOn", "tts").formParam("enabled", "true")
                    .formParam("config.command", "typed-command-" + tag).post("/admin/runtimes/" + id);
            assertRefusedWithTheForm(refused, version, "action=\"/admin/runtimes/" + id + "\"", "typed-name-" + tag,
                    "typed-command-" + tag);
        }
    }

    @Test
    void aSharedSecretsEditFormKeepsWhatWasTyped() {
        String name = "forged-" + tag;
        Response created = api().contentType(ContentType.JSON).body(Map.of("name", name, "variable",
                "FORGED_" + tag.toUpperCase(), "value", "stored-" + tag + "-0123456789abcdef"))
                .post("/api/v1/shared-secrets");
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        long id = created.jsonPath().getLong("id");
        cleanups.add("/api/v1/shared-secrets/" + id);
        String value = "typed-value-" + tag + "-fedcba9876543210";
        for (String version : FORGED) {
            Response refused = form().formParam("version", version).formParam("name", "typed-name-" + tag)
                    .formParam("variable", "TYPED_" + tag.toUpperCase()).formParam("value", value)
                    .post("/admin/shared-secrets/" + id);
            assertRefusedWithTheForm(refused, version, "action=\"/admin/shared-secrets/" + id + "\"",
                    "typed-name-" + tag, value);
        }
    }

    private static void assertRefusedWithTheForm(Response refused, String version, String action, String typed,
            String secret) {
        String html = refused.asString();
        assertThat(refused.statusCode()).as("version=" + version + ": " + html).isEqualTo(400);
        assertThat(refused.contentType()).as("version=" + version).startsWith("text/html");
        assertThat(html).as("version=" + version + ": the form again, what was typed kept")
                .contains(action, "value=\"" + typed + "\"", "value=\"" + secret + "\"");
        assertThat(html).as("version=" + version + ": the error names the field and says to reload")
                .containsPattern("[Vv]ersion[: ][^<]*reload");
    }

    private RequestSpecification form() {
        return given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).formParam("csrf-token", csrf);
    }

    private static RequestSpecification api() {
        return given().auth().oauth2(ApiClient.admin());
    }
}
