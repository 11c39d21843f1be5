package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn;
import dev.keyhouse.config.PoolHolds;
import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.vault.VaultReference;
import dev.keyhouse.vault.VaultReferences;
import dev.keyhouse.vault.VaultStandIn;
import dev.keyhouse.vault.VaultStandInResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Issue 18 point 2, end to end against {@link VaultStandIn}: a secret field written as a {@code vault:} reference is
 * pinned to a KV version when saved, served resolved in runtime-config (JSON and env), checked with its resolved value,
 * shown as source vault with the reference, version and the value's fingerprint, and withheld, naming the field, when
 * it cannot be resolved. Shares {@link Profiles.LoggedToFile} (VAULT_CACHE_SECONDS=1) with the leak test.
 */
@QuarkusTest
@TestProfile(Profiles.LoggedToFile.class)
public class VaultReferencesServedTest {

    private static final String FIRST = "sk-vault-held-first-7c1e0b5a9d";
    private static final String SECOND = "sk-vault-held-second-3f8a2d6c41";
    private static final String RUNTIME_CONFIG = "/api/v1/internal/runtime-config";
    /** The provider's stand-in the saves' key checks reach: it accepts only the values Vault holds. */
    static final OpenAiStandIn OPENAI = new OpenAiStandIn();

    @Inject
    SecretFingerprints fingerprints;
    @Inject
    PoolHolds holds;
    @Inject
    VaultReferences references;
    @Inject
    jakarta.persistence.EntityManager em;

    @AfterEach
    void unseal() {
        VaultStandInResource.vault().seal(false);
    }

    @AfterAll
    static void stop() {
        OPENAI.close();
        replaceReferences();
    }

    /**
     * Saves a plain value over every secret that is a {@code vault:} reference, as a new version (no check, no Vault
     * call): the test database outlives this profile, and a profile without VAULT_ADDR would find runtime-config
     * withheld for them. For {@code @AfterAll}, where no HTTP test port is set.
     */
    public static void replaceReferences() {
        ProviderSettings settings = io.quarkus.arc.Arc.container().instance(ProviderSettings.class).get();
        for (ProviderKind kind : ProviderKind.values()) {
            SettingState state = settings.get(kind);
            Map<String, String> input = new LinkedHashMap<>();
            state.values().forEach((field, value) -> {
                if (value != null) {
                    input.put(field, value);
                }
            });
            state.secrets().forEach((field, summary) -> {
                if (summary.vault() != null) {
                    input.put(field, field.equals(SettingField.AUTH_TOKEN.json()) ? "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
                            : field.equals(SettingField.HEADERS.json()) ? "x-after=vault-tests-" + kind.id() + "-41c9"
                            : "after-vault-tests-" + kind.id() + "-" + field + "-41c9");
                }
            });
            if (kind.secretFields().stream().anyMatch(f -> input.containsKey(f.json()))) {
                settings.save(kind, input, state.version(), "vault-tests-cleanup");
            }
        }
    }

    private static VaultStandIn vault() {
        return VaultStandInResource.vault();
    }

    @Test
    void aReferenceIsPinnedAtSaveServedResolvedAndANewKvVersionChangesNothingUntilSavedAgain() {
        OPENAI.key(FIRST, StandIn.Scenario.GOOD);
        OPENAI.key(SECOND, StandIn.Scenario.GOOD);
        int first = vault().put("secret", "served/llm", Map.of("openai_key", FIRST, "other", "unused"));
        OPENAI.clearReceived();

        Response saved = save("vault:secret/served/llm#openai_key");
        saved.then().statusCode(200);
        String pinned = "vault:secret/served/llm#openai_key?version=" + first;
        assertThat(saved.jsonPath().getString("apiKey.vault.reference")).isEqualTo(pinned);
        assertThat(OPENAI.received()).as("the save's check sent the resolved value, never the reference")
                .anyMatch(r -> String.valueOf(r.headers()).contains(FIRST))
                .noneMatch(r -> String.valueOf(r.headers()).contains("vault:"));

        assertThat(given().auth().oauth2(ApiClient.admin()).queryParam("kind", "llm").get("/api/v1/audit")
                .then().statusCode(200).extract().asString()).as("the save's audit entry names the reference")
                .contains("apiKey from " + pinned).doesNotContain(FIRST);
        Response shown = given().auth().oauth2(ApiClient.admin()).get("/api/v1/settings/llm");
        shown.then().statusCode(200);
        assertThat(shown.jsonPath().getString("apiKey.source")).isEqualTo("vault");
        assertThat(shown.jsonPath().getString("apiKey.vault.reference")).isEqualTo(pinned);
        assertThat(shown.jsonPath().getInt("apiKey.vault.version")).isEqualTo(first);
        assertThat(shown.jsonPath().getString("apiKey.vault.fingerprint")).isEqualTo(fingerprints.of(FIRST));
        assertThat(shown.jsonPath().getString("apiKey.hint")).isNull();
        assertThat(shown.asString()).doesNotContain(FIRST);
        String page = given().cookie("keyhouse_session", ApiClient.admin()).get("/admin/settings/llm").then()
                .statusCode(200).extract().asString();
        assertThat(page).contains("source <span class=\"secret-source\">vault</span>", pinned, "KV version <span class=\"vault-version\">" + first,
                fingerprints.of(FIRST)).doesNotContain(FIRST);

        assertServed(FIRST);

        // a new KV version reaches no runtime by itself: runtime-config reads the pinned version, past the cache
        int second = vault().put("secret", "served/llm", Map.of("openai_key", SECOND));
        int readsOfPinned = readsOf("version=" + first);
        sleepPast(1);
        assertServed(FIRST);
        assertThat(readsOf("version=" + first)).as("past VAULT_CACHE_SECONDS the pinned version is read again")
                .isGreaterThan(readsOfPinned);
        assertThat(readsOf("version=" + second)).isZero();

        // saving the reference again pins the new version: the change goes through a save, as any key change
        Response resaved = save("vault:secret/served/llm#openai_key");
        resaved.then().statusCode(200);
        assertThat(resaved.jsonPath().getString("apiKey.vault.reference"))
                .isEqualTo("vault:secret/served/llm#openai_key?version=" + second);
        assertServed(SECOND);

        // ?version= as written is kept: an admin may pin an older version on purpose
        save("vault:secret/served/llm#openai_key?version=" + first).then().statusCode(200)
                .body("apiKey.vault.version", org.hamcrest.Matchers.equalTo(first));
        assertServed(FIRST);
    }

    @Test
    void anUnresolvableReferenceIsWithheldNamingTheFieldAndNeverServedEmpty() {
        OPENAI.key(FIRST, StandIn.Scenario.GOOD);
        vault().put("secret", "withheld/llm", Map.of("openai_key", FIRST));
        save("vault:secret/withheld/llm#openai_key").then().statusCode(200);
        assertServed(FIRST);

        // sealed: withheld (after the cache's second), then served again once unsealed
        vault().seal(true);
        assertWithheld("is sealed");
        // a background check of the key is not run (nothing sent to the provider), as runtime-config is withheld
        io.quarkus.arc.Arc.container().instance(dev.keyhouse.checks.LastChecks.class).get().release(ProviderKind.LLM);
        OPENAI.clearReceived();
        assertThat(io.quarkus.arc.Arc.container().instance(dev.keyhouse.checks.BackgroundChecks.class).get()
                .check(ProviderKind.LLM)).isEmpty();
        assertThat(OPENAI.received()).isEmpty();
        vault().seal(false);
        RuntimeConfigMemoryTest.await("served again once Vault is unsealed", () -> config(null).statusCode() == 200);
        assertServed(FIRST);

        // the pinned version deleted: withheld, naming the field and the 404
        vault().deleteLatest("secret", "withheld/llm");
        assertWithheld("does not exist (404)");
    }

    /**
     * A rollback that would restore a reference whose pinned KV version was deleted since is refused (409, REST and
     * page) naming the field, the reference and the 404, even while that version is still cached: nothing written,
     * the current key still served.
     */
    @Test
    void aRollbackToAReferenceWhoseVersionWasDeletedIsRefusedNamingItAndNothingChanges() {
        String plain = "sk-vault-rollback-plain-52d0c8e1a7";
        OPENAI.key(FIRST, StandIn.Scenario.GOOD);
        OPENAI.key(plain, StandIn.Scenario.GOOD);
        int kv = vault().put("secret", "rollback/llm", Map.of("openai_key", FIRST));
        save("vault:secret/rollback/llm#openai_key").then().statusCode(200);
        assertServed(FIRST); // the pinned version is now cached
        save(plain).then().statusCode(200);
        vault().deleteLatest("secret", "rollback/llm");
        String admin = ApiClient.admin();
        long before = version(admin);

        Response refused = given().auth().oauth2(admin).header("If-Match", "\"" + before + "\"")
                .post("/api/v1/settings/llm/rollback");
        refused.then().statusCode(409);
        String reference = "vault:secret/rollback/llm#openai_key?version=" + kv;
        assertThat(refused.jsonPath().getString("detail")).contains("llm version " + (before - 1)
                + " cannot be restored: apiKey cannot be resolved: ", "does not exist (404)", reference,
                "Nothing was rolled back");
        assertThat(refused.jsonPath().getList("fields")).containsExactly("apiKey");
        assertThat(version(admin)).as("nothing written").isEqualTo(before);
        assertServed(plain);

        Response form = given().cookie("keyhouse_session", admin).get("/admin/settings/llm");
        String csrf = form.htmlPath().getString("**.find { it.@name == 'csrf-token' }.@value");
        Response page = given().redirects().follow(false).cookie("keyhouse_session", admin).cookies(form.getCookies())
                .contentType(ContentType.URLENC).formParam("csrf-token", csrf)
                .formParam("version", String.valueOf(before)).formParam("confirmed", "yes")
                .post("/admin/settings/llm/rollback");
        assertThat(page.statusCode()).isEqualTo(409);
        // the page's words: the field by its label, not its JSON name (issue 20)
        assertThat(page.asString()).doesNotContain("apiKey cannot").contains("API key cannot be resolved",
                "does not exist (404)", "Nothing was rolled back").doesNotContain(FIRST).doesNotContain(plain);
        assertThat(version(admin)).isEqualTo(before);
    }

    /**
     * A shared secret's reference is held to what a typed value is (length, masked display), and stored held at its
     * KV version: the watcher follows provider settings only, so it says so rather than look followed.
     */
    @Test
    void aSharedSecretsReferenceIsHeldToTheTypedRulesAndStoredHeld() {
        String admin = ApiClient.admin();
        String good = "shared-from-vault-7d2c91e0aa";
        vault().put("secret", "shared/voxcore", Map.of("huge", "sk-" + "0123456789abcdef".repeat(320),
                "masked", "sk-********6789", "good", good));
        for (String key : List.of("huge", "masked")) {
            Response refused = given().auth().oauth2(admin).contentType(ContentType.JSON)
                    .body(Map.of("name", "vault-" + key, "variable", "VAULT_SHARED_" + key.toUpperCase(),
                            "value", "vault:secret/shared/voxcore#" + key, "targets", List.of()))
                    .post("/api/v1/shared-secrets");
            refused.then().statusCode(400);
            assertThat(refused.jsonPath().getString("errors[0].field")).isEqualTo("value");
            assertThat(refused.jsonPath().getString("errors[0].message")).as(key)
                    .startsWith("the value of vault:secret/shared/voxcore#" + key + "?version=1 is refused: it ")
                    .doesNotContain("0123456789abcdef");
        }
        // served only to the runtimes of the targets it lists: a command target's runtime is named as the target
        long receiver = given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("name",
                "vault-receiver", "driver", "command", "enabled", false, "dependsOn", List.of("stt"), "config",
                Map.of("command", "true"))).post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath()
                .getLong("id");
        Response created = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("name", "vault-good", "variable", "VAULT_SHARED_GOOD",
                        "value", "vault:secret/shared/voxcore#good", "targets", List.of(receiver)))
                .post("/api/v1/shared-secrets");
        created.then().statusCode(201);
        long id = created.jsonPath().getLong("id");
        try {
            assertThat(created.jsonPath().getString("vault")).contains("vault:secret/shared/voxcore#good?version=1&hold");
            assertThat(created.asString()).doesNotContain(good);
            assertThat(given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN)
                    .header("X-Keyhouse-Runtime", "vault-receiver").get(RUNTIME_CONFIG).jsonPath()
                    .getString("env.VAULT_SHARED_GOOD")).isEqualTo(good);
        } finally {
            String etag = given().auth().oauth2(admin).get("/api/v1/shared-secrets/" + id).header("ETag");
            given().auth().oauth2(admin).header("If-Match", etag).delete("/api/v1/shared-secrets/" + id).then()
                    .statusCode(204);
            given().auth().oauth2(admin).delete("/api/v1/runtimes/" + receiver).then().statusCode(204);
        }
    }

    @Test
    void aMalformedOrUnreadableReferenceIsA400NamingTheFieldAndNothingIsSaved() {
        String admin = ApiClient.admin();
        long before = version(admin);
        for (String bad : List.of("VAULT:secret/llm#k", "Vault:secret/llm#k", "vault:", "vault:secret/llm",
                "vault:secret/llm#", "vault:secret/llm#k?version=0",
                "vault:secret/llm#k?version=x", "vault:secret//llm#k", "vault:secret/../llm#k", "vault:secret/llm#a b")) {
            Response refused = save(bad);
            refused.then().statusCode(400);
            assertThat(refused.jsonPath().getString("errors[0].field")).as(bad).isEqualTo("apiKey");
            assertThat(refused.jsonPath().getString("errors[0].message")).as(bad)
                    .contains("a Vault reference is written vault:<mount>/<path>#<key>, e.g. vault:secret/llm#openai_key");
        }
        vault().put("secret", "refused/llm", Map.of("openai_key", FIRST));
        Map<String, String> unreadable = new LinkedHashMap<>();
        unreadable.put("vault:secret/refused/llm#anthropic_key", "has no key anthropic_key");
        unreadable.put("vault:secret/refused/llm#openai_key?version=9", "does not exist (404)");
        unreadable.put("vault:secret/nowhere/llm#openai_key", "does not exist (404)");
        // values a typed key could not be: refused at save as they would be typed, never stored to block runtime-config
        vault().putJson("secret", "refused/shapes", Map.of("num", 42, "obj", Map.of("a", 1), "empty", "",
                "nl", "sk-line1\nline2", "padded", "sk-padded-value "));
        unreadable.put("vault:secret/refused/shapes#num", "holds key num as a JSON number, boolean, object or list");
        unreadable.put("vault:secret/refused/shapes#obj", "holds key obj as a JSON number, boolean, object or list");
        // and by the field's own rules, as if typed: the length limit, a masked display
        vault().put("secret", "refused/rules", Map.of("huge", "sk-" + "0123456789abcdef".repeat(320),
                "masked", "sk-********6789"));
        Map<String, String> refusedValues = Map.of("vault:secret/refused/shapes#empty", "is empty",
                "vault:secret/refused/shapes#nl", "is refused: ",
                "vault:secret/refused/shapes#padded", "has spaces or line breaks at its ends",
                "vault:secret/refused/rules#huge", "is refused: it must be at most 4096 characters",
                "vault:secret/refused/rules#masked", "is refused: it looks like a masked or redacted key");
        refusedValues.forEach((reference, reason) -> {
            Response refused = save(reference);
            refused.then().statusCode(400);
            assertThat(refused.jsonPath().getString("errors[0].field")).as(reference).isEqualTo("apiKey");
            assertThat(refused.jsonPath().getString("errors[0].message")).as(reference)
                    .startsWith("the value of " + reference + "?version=").contains(reason)
                    .doesNotContain("sk-line1", "sk-padded-value", "0123456789abcdef");
        });
        // Keyhouse's own variables are never a provider's key, wherever they are kept (the Vault Agent route keeps
        // them at a path VAULT_KV_PATH does not name): refused at save and at the check, nothing sent anywhere
        vault().put("secret", "refused/own", Map.of("JWT_SECRET_KEY", "planted-own-jwt-key-6a1f0c",
                "openai_key", FIRST));
        Response own = save("vault:secret/refused/own#openai_key");
        own.then().statusCode(400);
        assertThat(own.jsonPath().getString("errors[0].field")).isEqualTo("apiKey");
        assertThat(own.jsonPath().getString("errors[0].message")).startsWith("cannot be resolved: ")
                .contains("holds Keyhouse's own JWT_SECRET_KEY: a provider setting may not read a secret that holds"
                        + " Keyhouse's own variables");
        OPENAI.clearReceived();
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("provider", "openai", "model", "gpt-4o-mini", "baseUrl", OPENAI.baseUrl(),
                        "apiKey", "vault:secret/refused/own#JWT_SECRET_KEY"))
                .post("/api/v1/settings/llm/check").then().statusCode(400)
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("apiKey"));
        assertThat(OPENAI.received()).as("nothing sent to the provider").isEmpty();
        unreadable.forEach((reference, reason) -> {
            Response refused = save(reference);
            refused.then().statusCode(400);
            assertThat(refused.jsonPath().getString("errors[0].field")).as(reference).isEqualTo("apiKey");
            assertThat(refused.jsonPath().getString("errors[0].message")).as(reference)
                    .startsWith("cannot be resolved: ").contains(reason);
        });
        vault().seal(true);
        Response sealed = save("vault:secret/refused/llm#openai_key");
        sealed.then().statusCode(400);
        assertThat(sealed.jsonPath().getString("errors[0].message")).contains("is sealed");
        // the check endpoint refuses alike
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("provider", "openai", "model", "gpt-4o-mini", "baseUrl", OPENAI.baseUrl(),
                        "apiKey", "vault:secret/llm"))
                .post("/api/v1/settings/llm/check").then().statusCode(400)
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("apiKey"));
        assertThat(version(admin)).as("nothing was saved").isEqualTo(before);
    }

    /** Every secret field takes a reference: telephony's auth token and API key secret, served resolved. */
    @Test
    void everySecretFieldOfTelephonyTakesAReference() {
        String token = "fedcba98765432100f1e2d3c4b5a6978";
        String apiSecret = "vault-held-api-secret-5e2b7d9c1a";
        int version = vault().put("secret", "served/twilio", Map.of("auth_token", token, "api_secret", apiSecret));
        String admin = ApiClient.admin();
        String etag = given().auth().oauth2(admin).get("/api/v1/settings/telephony").then().statusCode(200).extract()
                .header("ETag");
        Response saved = given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                .body(Map.of("provider", "twilio", "accountSid", "AC0123456789abcdef0123456789abcdef",
                        "apiKeySid", "SK0123456789abcdef0123456789abcdef", "fromNumber", "+14155550100",
                        "authToken", "vault:secret/served/twilio#auth_token",
                        "apiSecret", "vault:secret/served/twilio#api_secret"))
                .put("/api/v1/settings/telephony");
        saved.then().statusCode(200);
        assertThat(saved.jsonPath().getString("authToken.vault.reference"))
                .isEqualTo("vault:secret/served/twilio#auth_token?version=" + version);
        assertThat(saved.jsonPath().getString("apiSecret.vault.fingerprint")).isEqualTo(fingerprints.of(apiSecret));
        assertThat(saved.asString()).doesNotContain(token).doesNotContain(apiSecret);
        Response json = config(null);
        assertThat(json.jsonPath().getString("env.TWILIO_AUTH_TOKEN")).isEqualTo(token);
        assertThat(json.jsonPath().getString("env.TWILIO_API_SECRET")).isEqualTo(apiSecret);

        // the auth token's own rule holds for the value it resolves to, as for a typed one
        vault().put("secret", "served/twilio-bad", Map.of("auth_token", "PLANTEDtw1lioTok-not-hex"));
        String current = given().auth().oauth2(admin).get("/api/v1/settings/telephony").then().statusCode(200)
                .extract().header("ETag");
        Response refused = given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", current)
                .body(Map.of("provider", "twilio", "accountSid", "AC0123456789abcdef0123456789abcdef",
                        "fromNumber", "+14155550100", "authToken", "vault:secret/served/twilio-bad#auth_token"))
                .put("/api/v1/settings/telephony");
        refused.then().statusCode(400);
        assertThat(refused.jsonPath().getString("errors[0].field")).isEqualTo("authToken");
        assertThat(refused.jsonPath().getString("errors[0].message")).isEqualTo("the value of"
                + " vault:secret/served/twilio-bad#auth_token?version=1 is refused: it must be 32 hexadecimal"
                + " characters, as Twilio issues auth tokens");
        assertThat(refused.asString()).doesNotContain("PLANTEDtw1lioTok");
    }

    /**
     * Issue 19: the fleet kinds' secret fields take {@code vault:} references like any other: pinned at save, shown
     * by reference, served resolved under their own variables. The kinds are left unconfigured afterwards.
     */
    @Test
    void everySecretFieldOfTheFleetKindsTakesAReference() {
        Map<String, String> held = Map.of("livekit_key", "APIvaultheld01", "livekit_secret", "vault-livekit-secret-7d2e",
                "access", "vault-access-key-41c0", "secret", "vault/secret+key-93ab", "headers",
                "authorization=Bearer%20vault-held-5f1e");
        int version = vault().put("secret", "served/fleet", held);
        Map<ProviderKind, Map<String, String>> bodies = Map.of(
                ProviderKind.LIVEKIT, Map.of("url", "wss://livekit.example.com",
                        "apiKey", "vault:secret/served/fleet#livekit_key", "apiSecret", "vault:secret/served/fleet#livekit_secret"),
                ProviderKind.STORAGE, Map.of("provider", "s3", "bucket", "fleet-vault",
                        "accessKey", "vault:secret/served/fleet#access", "secretKey", "vault:secret/served/fleet#secret"),
                ProviderKind.TRACING, Map.of("endpoint", "http://collector:4318",
                        "headers", "vault:secret/served/fleet#headers"));
        String admin = ApiClient.admin();
        try {
            bodies.forEach((kind, body) -> {
                String etag = given().auth().oauth2(admin).get("/api/v1/settings/" + kind.id()).then().statusCode(200)
                        .extract().header("ETag");
                Response saved = given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                        .body(body).put("/api/v1/settings/" + kind.id());
                saved.then().statusCode(200);
                for (SettingField field : kind.secretFields()) {
                    assertThat(saved.jsonPath().getString(field.json() + ".vault.reference")).as(kind.id() + " " + field)
                            .isEqualTo(body.get(field.json()) + "?version=" + version);
                }
                held.values().forEach(value -> assertThat(saved.asString()).doesNotContain(value));
            });
            Map<String, String> env = config(null).jsonPath().getMap("env");
            assertThat(env).containsEntry("LIVEKIT_API_KEY", "APIvaultheld01")
                    .containsEntry("LIVEKIT_API_SECRET", "vault-livekit-secret-7d2e")
                    .containsEntry("AWS_ACCESS_KEY_ID", "vault-access-key-41c0")
                    .containsEntry("AWS_SECRET_ACCESS_KEY", "vault/secret+key-93ab")
                    .containsEntry("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20vault-held-5f1e");
        } finally {
            FleetKindsTest.reset(db);
        }
    }

    @Inject
    javax.sql.DataSource db;

    /**
     * No thread waits for Vault while it holds a pooled database connection (issue 17's hold-and-wait): every answer
     * of the stand-in is held back (its handler synchronises on it) while runtime-config, a settings read and a save
     * each make a Vault call, and {@link PoolHolds} then lists no holder waiting in {@code dev.keyhouse.vault}. The
     * control, a Vault call made inside a transaction that has read a row, is seen.
     */
    @Test
    void noVaultCallIsMadeWhileAPooledConnectionIsHeld() throws Exception {
        OPENAI.key(FIRST, StandIn.Scenario.GOOD);
        vault().put("secret", "held/llm", Map.of("openai_key", FIRST));
        save("vault:secret/held/llm#openai_key").then().statusCode(200);
        assertServed(FIRST);
        String admin = ApiClient.admin();

        sleepPast(1);
        assertThat(heldWhileVaultAnswers(() -> config(null).then().statusCode(200))).isEmpty();
        sleepPast(1);
        assertThat(heldWhileVaultAnswers(() -> given().auth().oauth2(admin).get("/api/v1/settings/llm").then()
                .statusCode(200))).isEmpty();
        assertThat(heldWhileVaultAnswers(() -> save("vault:secret/held/llm#openai_key").then().statusCode(200)))
                .isEmpty();

        VaultReference current = VaultReference.parse("vault:secret/held/llm#openai_key").orElseThrow();
        assertThat(heldWhileVaultAnswers(() -> QuarkusTransaction.requiringNew().call(() -> {
            em.createNativeQuery("SELECT 1").getSingleResult();
            return references.resolve(current).reference();
        }))).as("the control: a Vault call inside a transaction that holds a connection is seen").hasSize(1);
    }

    /**
     * Runs {@code call} with Vault's answers held back until it has asked Vault, and returns the threads that then hold
     * a pooled connection while waiting in {@code dev.keyhouse.vault}.
     */
    private List<String> heldWhileVaultAnswers(Runnable call) throws Exception {
        int before = vault().requests().size();
        java.util.concurrent.CompletableFuture<Void> done;
        List<String> held = new java.util.ArrayList<>();
        synchronized (vault()) {
            done = java.util.concurrent.CompletableFuture.runAsync(call);
            RuntimeConfigMemoryTest.await("a Vault read", () -> vault().requests().stream().skip(before)
                    .anyMatch(r -> r.path().startsWith("/v1/secret/data/held/")));
            Thread.sleep(100);
            for (Thread holder : holds.holders()) {
                if (java.util.Arrays.toString(holder.getStackTrace()).contains("dev.keyhouse.vault.")) {
                    held.add(holder.getName());
                }
            }
        }
        done.get(30, java.util.concurrent.TimeUnit.SECONDS);
        return held;
    }

    private static long version(String admin) {
        return given().auth().oauth2(admin).get("/api/v1/settings/llm").then().statusCode(200).extract().jsonPath()
                .getLong("version");
    }

    private static Response save(String apiKey) {
        String admin = ApiClient.admin();
        String etag = given().auth().oauth2(admin).get("/api/v1/settings/llm").then().statusCode(200).extract()
                .header("ETag");
        return given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                .body(Map.of("provider", "openai", "model", "gpt-4o-mini", "baseUrl", OPENAI.baseUrl(), "apiKey", apiKey))
                .put("/api/v1/settings/llm");
    }

    private static Response config(String format) {
        var request = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN);
        if (format != null) {
            request.queryParam("format", format);
        }
        return request.get(RUNTIME_CONFIG);
    }

    /** Runtime-config serves {@code value} as the LLM key, in JSON (named and not) and as env lines. */
    private static void assertServed(String value) {
        Response json = config(null);
        json.then().statusCode(200);
        assertThat(json.jsonPath().getString("env.LLM_API_KEY")).isEqualTo(value);
        assertThat(json.jsonPath().getString("env.OPENAI_API_KEY")).isEqualTo(value);
        assertThat(json.asString()).doesNotContain("vault:");
        Response named = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN)
                .header("X-Keyhouse-Runtime", "vault-reference-runtime").get(RUNTIME_CONFIG);
        assertThat(named.jsonPath().getString("env.LLM_API_KEY")).isEqualTo(value);
        String lines = config("env").then().statusCode(200).extract().asString();
        assertThat(lines).contains("LLM_API_KEY=" + value + "\n", "OPENAI_API_KEY=" + value + "\n")
                .doesNotContain("vault:");
    }

    /** Runtime-config is withheld (503) in both formats, naming llm.apiKey and {@code reason}, with no LLM key. */
    private static void assertWithheld(String reason) {
        RuntimeConfigMemoryTest.await("withheld once the cached value is due (" + reason + ")",
                () -> config(null).statusCode() == 503);
        Response json = config(null);
        json.then().statusCode(503);
        assertThat(json.jsonPath().getString("errors[0].field")).isEqualTo("llm.apiKey");
        assertThat(json.jsonPath().getString("errors[0].message")).startsWith("cannot be resolved: ")
                .contains(reason).contains("(vault:secret/withheld/llm#openai_key?version=");
        assertThat(json.asString()).doesNotContain(FIRST).doesNotContain("LLM_API_KEY\":");
        String lines = config("env").then().statusCode(503).extract().asString();
        assertThat(lines).contains("llm.apiKey (LLM_API_KEY, OPENAI_API_KEY) cannot be resolved: ")
                .doesNotContain("\nLLM_API_KEY=").doesNotContain(FIRST);
        Response partial = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).queryParam("partial", "true")
                .get(RUNTIME_CONFIG);
        partial.then().statusCode(200);
        assertThat(partial.jsonPath().getMap("env")).as("a partial answer leaves the key out, never empty")
                .doesNotContainKeys("LLM_API_KEY", "OPENAI_API_KEY").containsEntry("LLM_PROVIDER", "openai");
    }

    private static int readsOf(String query) {
        return (int) vault().requests().stream()
                .filter(r -> r.path().equals("/v1/secret/data/served/llm") && query.equals(r.query())).count();
    }

    private static void sleepPast(int seconds) {
        try {
            Thread.sleep(seconds * 1000L + 300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
