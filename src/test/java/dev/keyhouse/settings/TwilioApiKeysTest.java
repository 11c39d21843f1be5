package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.startsWith;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.sealed.SealedValue;
import dev.keyhouse.sealed.SealedValues;
import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.web.FieldErrors;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import javax.sql.DataSource;

/**
 * Telephony with a Twilio API key (SID and secret) beside or instead of the auth token, over REST and the form;
 * every secret of a kind sealed, audited, rolled back, served and counted as a change on its own.
 */
@QuarkusTest
class TwilioApiKeysTest {

    static final String ACCOUNT = "AC0123456789abcdef0123456789abcdef";
    static final String KEY_SID = "SK89abcdef0123456789abcdef01234567";
    static final String AUTH_TOKEN = "7d1e0c5b9a8f7e6d5c4b3a2918070605";

    @Inject
    ProviderEnvironment environment;

    @Inject
    SecretFingerprints fingerprints;

    @Inject
    SealedValues sealedValues;

    @Inject
    EntityManager em;

    @Inject
    DataSource db;

    private String session;

    @BeforeEach
    void signIn() {
        session = Clients.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
    }

    private static Map<String, String> telephony(String... pairs) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("accountSid", ACCOUNT);
        body.put("fromNumber", "+14155550100");
        for (int i = 0; i < pairs.length; i += 2) {
            body.put(pairs[i], pairs[i + 1]);
        }
        return body;
    }

    private static String secret(String tag) {
        return "twapisecret" + tag + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    @Test
    void anApiKeyAloneIsEnoughAndRuntimesGetItAsTwilioApiKeyAndSecret() {
        // start from an auth-token setting, then a second kind of credential beside it
        Clients.put("telephony", Clients.version("telephony"), telephony("authToken", AUTH_TOKEN))
                .then().statusCode(200);
        String apiSecret = secret("alone");
        Response saved = Clients.put("telephony", Clients.version("telephony"),
                telephony("apiKeySid", KEY_SID, "apiSecret", apiSecret));

        saved.then().statusCode(200);
        assertThat(saved.jsonPath().getString("apiKeySid")).isEqualTo(KEY_SID);
        assertThat(saved.jsonPath().getMap("apiSecret")).containsEntry("configured", true)
                .containsEntry("hint", "…" + apiSecret.substring(apiSecret.length() - 4))
                .containsEntry("fingerprint", fingerprints.of(apiSecret));
        assertThat(saved.jsonPath().getMap("authToken")).as("the untyped auth token is kept")
                .containsEntry("fingerprint", fingerprints.of(AUTH_TOKEN));
        assertThat(saved.asString()).doesNotContain(apiSecret).doesNotContain(AUTH_TOKEN);

        Map<String, String> env = environment.current().env();
        assertThat(env).containsEntry("TWILIO_ACCOUNT_SID", ACCOUNT).containsEntry("TWILIO_API_KEY", KEY_SID)
                .containsEntry("TWILIO_API_SECRET", apiSecret).containsEntry("TWILIO_AUTH_TOKEN", AUTH_TOKEN);
        assertThat(ProviderEnvironment.MANAGED_NAMES).contains("TWILIO_API_KEY", "TWILIO_API_SECRET");

        // each secret in its own sealed row, under its own purpose
        long version = saved.jsonPath().getLong("version");
        List<String> refs = Rows.column(db, "SELECT auth_token_id::text || ' ' || api_secret_id::text"
                + " FROM provider_setting_versions WHERE kind = 'telephony' AND version = ?", version);
        String[] ids = refs.get(0).split(" ");
        assertThat(ids[0]).isNotEqualTo(ids[1]);
        assertThat(Rows.column(db, "SELECT purpose FROM sealed_values WHERE id = ?::uuid", ids[1]))
                .containsExactly("provider_setting/telephony/api_secret");

        // the audit shows both fingerprints by name, never a value
        List<String> audit = Rows.column(db, "SELECT coalesce(old_fingerprint, '-') || ' > ' || new_fingerprint"
                + " FROM audit_events WHERE action = 'setting.save' AND target = ?", "telephony version " + version);
        assertThat(audit).containsExactly("authToken:" + fingerprints.of(AUTH_TOKEN) + " > authToken:"
                + fingerprints.of(AUTH_TOKEN) + " apiSecret:" + fingerprints.of(apiSecret));
    }

    @Test
    void anAuthTokenSettingServesNoApiKeyNamesAndAKeyWithoutItsSidDropsItsSecret() {
        Clients.put("telephony", Clients.version("telephony"),
                telephony("apiKeySid", KEY_SID, "apiSecret", secret("dropped"), "authToken", AUTH_TOKEN))
                .then().statusCode(200);
        // the admin clears the API key SID: the key's secret goes with it, the auth token stays
        Response saved = Clients.put("telephony", Clients.version("telephony"), telephony());

        saved.then().statusCode(200);
        assertThat(saved.jsonPath().getString("apiKeySid")).isNull();
        assertThat(saved.jsonPath().getBoolean("apiSecret.configured")).isFalse();
        assertThat(saved.jsonPath().getBoolean("authToken.configured")).isTrue();
        assertThat(environment.current().env()).containsEntry("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
                .doesNotContainKeys("TWILIO_API_KEY", "TWILIO_API_SECRET");
    }

    @Test
    void theRulesNameTheFieldAndWhereAValueGoes() {
        long version = Clients.version("telephony");
        String sk = "is an API Key SID (SK…), not ";
        assertError(version, telephony("authToken", KEY_SID), "authToken",
                sk + "an auth token: put it in \"API key SID\" and its secret in \"API key secret\"");
        assertError(version, telephony("authToken", "sk89abcdef0123456789abcdef0123"), "authToken", sk);
        Map<String, String> skAsAccount = telephony("authToken", AUTH_TOKEN);
        skAsAccount.put("accountSid", KEY_SID);
        assertError(version, skAsAccount, "accountSid",
                sk + "an Account SID (AC…): put it in \"API key SID\" and its secret in \"API key secret\"");
        assertError(version, telephony("apiKeySid", ACCOUNT, "apiSecret", secret("ac")), "apiKeySid",
                "is an Account SID (AC…), not an API key SID: put it in \"Account SID\"");
        String ac = "is an Account SID (AC…), not ";
        assertError(version, telephony("authToken", ACCOUNT), "authToken", ac + "an auth token: put it in \"Account SID\"");
        assertError(version, telephony("apiKeySid", KEY_SID, "apiSecret", KEY_SID), "apiSecret",
                sk + "an API key secret: put it in \"API key SID\"");
        assertError(version, telephony("apiKeySid", KEY_SID, "apiSecret", ACCOUNT.toLowerCase()), "apiSecret",
                ac + "an API key secret: put it in \"Account SID\"");
        assertError(version, telephony("apiKeySid", "SK123", "apiSecret", secret("short")), "apiKeySid",
                "must be SK followed by 32 hexadecimal digits");
        for (String token : List.of("7d1e0c5b9a8f7e6d5c4b3a291807060", "7d1e0c5b9a8f7e6d5c4b3a29180706051",
                "tw-0c5b9a8f7e6d5c4b3a29180706059a", "7d1e0c5b9a8f7e6d5c4b3a291807060g")) {
            assertError(version, telephony("authToken", token), "authToken",
                    "must be 32 hexadecimal characters, as Twilio issues auth tokens");
        }
        // a 32-hex token starting like an Account SID is a token
        Clients.put("telephony", version, telephony("authToken", "ac" + AUTH_TOKEN.substring(2).toUpperCase()))
                .then().statusCode(200);
        version++;
        // a SID without its secret, a secret without its SID
        assertError(version, telephony("apiKeySid", "SK00000000000000000000000000000001"), "apiSecret",
                "is required with an API key SID");
        assertError(version, telephony("apiSecret", secret("nosid")), "apiKeySid",
                "is required with an API key secret");
        assertThat(Clients.version("telephony")).isEqualTo(version);
    }

    @Test
    void neitherAnAuthTokenNorAnApiKeyIsRefusedOnAFirstSave() {
        // the rules against an empty stored version: what a first save of telephony meets
        SettingValues empty = new SettingValues();
        assertThatThrownBy(() -> SettingRules.check(ProviderKind.TELEPHONY, telephony(), empty))
                .isInstanceOf(FieldErrors.class)
                .hasMessage("authToken is required, or an API key SID with its API key secret instead");
        SettingRules.Checked keyOnly = SettingRules.check(ProviderKind.TELEPHONY,
                telephony("apiKeySid", KEY_SID, "apiSecret", "s3cr3t-of-the-key"), empty);
        assertThat(keyOnly.secrets()).containsOnlyKeys(SettingField.API_SECRET);
        assertThat(keyOnly.values().apiKeySid).isEqualTo(KEY_SID);
    }

    @Test
    void theFormTakesBothFieldsAndRefusesAnSkValueAsAuthToken() {
        Response form = page("/admin/settings/telephony");
        assertThat(form.asString()).containsPattern("name=\"apiSecret\" type=\"password\" autocomplete=\"off\" value=\"\"")
                .contains("name=\"apiKeySid\"").contains("API key SID").contains("API key secret");
        Map<String, String> wrong = new LinkedHashMap<>(telephony("provider", "twilio", "authToken", KEY_SID));
        Response refused = post(form, wrong);
        refused.then().statusCode(400);
        assertThat(refused.asString()).contains("Auth token: is an API Key SID (SK…), not an auth token: put it in"
                + " &quot;API key SID&quot;");

        String apiSecret = secret("form");
        form = page("/admin/settings/telephony");
        Response saved = post(form, telephony("provider", "twilio", "apiKeySid", KEY_SID, "apiSecret", apiSecret));
        saved.then().statusCode(303);
        assertThat(environment.current().env()).containsEntry("TWILIO_API_SECRET", apiSecret);
        String edit = page("/admin/settings/telephony").asString();
        assertThat(edit).contains("value=\"" + KEY_SID + "\"").contains(fingerprints.of(apiSecret))
                .doesNotContain(apiSecret);
    }

    /** A card shows the auth token, or the API key secret when only that is set. */
    @Test
    void theCardShowsTheSecretThatIsSet() {
        SecretSummary set = SecretSummary.readable("twapisecret-card-0123456789", "0b7d5e11", "3fa9c2e1");
        Map<String, SecretSummary> keyOnly = Map.of("authToken", SecretSummary.NOT_CONFIGURED, "apiSecret", set);
        SettingState state = new SettingState(ProviderKind.TELEPHONY, Map.of(), keyOnly, 1, "a", null, null, null);
        assertThat(state.secretShown()).isEqualTo(SettingField.API_SECRET);
        assertThat(state.secret()).isEqualTo(set);
        Map<String, SecretSummary> both = Map.of("authToken", set, "apiSecret", set);
        assertThat(new SettingState(ProviderKind.TELEPHONY, Map.of(), both, 1, "a", null, null, null).secretShown())
                .isEqualTo(SettingField.AUTH_TOKEN);
        Map<String, SecretSummary> none = Map.of("authToken", SecretSummary.NOT_CONFIGURED,
                "apiSecret", SecretSummary.NOT_CONFIGURED);
        assertThat(new SettingState(ProviderKind.TELEPHONY, Map.of(), none, 0, null, null, null, null).secretShown())
                .isEqualTo(SettingField.AUTH_TOKEN);
    }

    @Test
    void rollbackRestoresEverySecretOfTheVersion() {
        String firstSecret = secret("first");
        Clients.put("telephony", Clients.version("telephony"),
                telephony("authToken", AUTH_TOKEN, "apiKeySid", KEY_SID, "apiSecret", firstSecret))
                .then().statusCode(200);
        String otherToken = "0f0e0d0c0b0a09080706050403020100";
        String secondSecret = secret("second");
        long version = Clients.put("telephony", Clients.version("telephony"),
                telephony("authToken", otherToken, "apiKeySid", KEY_SID, "apiSecret", secondSecret))
                .then().statusCode(200).extract().jsonPath().getLong("version");
        assertThat(environment.current().env()).containsEntry("TWILIO_AUTH_TOKEN", otherToken)
                .containsEntry("TWILIO_API_SECRET", secondSecret);

        Response rolledBack = given().auth().oauth2(Clients.admin()).header("If-Match", "\"" + version + "\"")
                .post("/api/v1/settings/telephony/rollback");

        rolledBack.then().statusCode(200);
        assertThat(rolledBack.jsonPath().getString("authToken.fingerprint")).isEqualTo(fingerprints.of(AUTH_TOKEN));
        assertThat(rolledBack.jsonPath().getString("apiSecret.fingerprint")).isEqualTo(fingerprints.of(firstSecret));
        assertThat(environment.current().env()).containsEntry("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
                .containsEntry("TWILIO_API_SECRET", firstSecret);
    }

    @Test
    void aNewApiKeySidNeedsItsSecretAgainAndAStoredSecretNeverFollowsIt() {
        Clients.put("telephony", Clients.version("telephony"),
                telephony("apiKeySid", KEY_SID, "apiSecret", secret("follow"))).then().statusCode(200);
        long version = Clients.version("telephony");
        assertError(version, telephony("apiKeySid", "SK00000000000000000000000000000002"), "apiSecret",
                "enter the API key secret again: the API key SID changed, and a stored secret is never sent to a"
                        + " new destination");
        Clients.put("telephony", version, telephony("apiKeySid", KEY_SID)).then().statusCode(200);
    }

    @Test
    void changingOnlyTheApiSecretPlansARestartOfTelephonyRuntimes() {
        Clients.put("telephony", Clients.version("telephony"),
                telephony("apiKeySid", KEY_SID, "apiSecret", secret("before"))).then().statusCode(200);
        String name = "twilio-restart-" + UUID.randomUUID().toString().substring(0, 8);
        long target = given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", name, "driver", "command", "dependsOn", List.of("telephony"),
                        "config", Map.of("command", "true")))
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
        try {
            Clients.put("telephony", Clients.version("telephony"),
                    telephony("apiKeySid", KEY_SID, "whatsappFrom", "whatsapp:+14155550108")).then().statusCode(200);
            Response routing = Clients.put("telephony", Clients.version("telephony"),
                    telephony("apiKeySid", KEY_SID, "whatsappFrom", "whatsapp:+14155550109"));
            routing.then().statusCode(200);
            assertThat(routing.jsonPath().getString("restartRun")).as("no secret changed, the sender did: runtimes"
                    + " receive it, so it is rolled out too (h19l point 1)").isNotNull();

            Response changed = Clients.put("telephony", Clients.version("telephony"),
                    telephony("apiKeySid", KEY_SID, "apiSecret", secret("after")));

            changed.then().statusCode(200);
            long run = changed.jsonPath().getLong("restartRun");
            assertThat(Rows.column(db, "SELECT kind FROM restart_runs WHERE id = ?", run)).containsExactly("telephony");
        } finally {
            given().auth().oauth2(Clients.admin()).delete("/api/v1/runtimes/" + target);
        }
    }

    /** A version written before API keys (a token in no 32-hex shape) is served, and saved again untouched. */
    @Test
    void anAuthTokenStoredBeforeTheseRulesKeepsWorking() {
        String legacy = "tw-legacy-token-from-before-8c7b6a";
        Clients.put("telephony", Clients.version("telephony"), telephony("authToken", AUTH_TOKEN))
                .then().statusCode(200);
        QuarkusTransaction.requiringNew().run(() -> {
            SealedValue sealed = sealedValues.seal(ProviderKind.TELEPHONY.purpose(SettingField.AUTH_TOKEN), legacy);
            em.createNativeQuery("UPDATE provider_settings SET auth_token_id = ?1, api_key_sid = NULL,"
                    + " api_secret_id = NULL, version = version + 1, updated_at = now() WHERE kind = 'telephony'")
                    .setParameter(1, sealed.id).executeUpdate();
            em.createNativeQuery("INSERT INTO provider_setting_versions (kind, version, action, provider, account_sid,"
                    + " from_number, auth_token_id, saved_by) SELECT kind, version, 'save', 'twilio', account_sid,"
                    + " from_number, auth_token_id, 'legacy' FROM provider_settings WHERE kind = 'telephony'")
                    .executeUpdate();
        });
        assertThat(environment.current().env()).containsEntry("TWILIO_AUTH_TOKEN", legacy)
                .doesNotContainKeys("TWILIO_API_KEY", "TWILIO_API_SECRET");

        Clients.put("telephony", Clients.version("telephony"), telephony("fromNumber", "+14155550111"))
                .then().statusCode(200);
        assertThat(environment.current().env()).containsEntry("TWILIO_AUTH_TOKEN", legacy)
                .containsEntry("TWILIO_FROM_NUMBER", "+14155550111");
    }

    private static void assertError(long version, Map<String, String> body, String field, String message) {
        Response response = Clients.put("telephony", version, body);
        response.then().statusCode(400).contentType(startsWith("application/problem+json"));
        List<Map<String, String>> errors = response.jsonPath().getList("errors");
        assertThat(errors).as("errors of %s", body).anySatisfy(error -> {
            assertThat(error.get("field")).isEqualTo(field);
            assertThat(error.get("message")).contains(message);
        });
        assertThat(response.asString()).doesNotContain(body.getOrDefault("apiSecret", "\u0000"));
    }

    private Response page(String path) {
        return given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session).get(path);
    }

    private Response post(Response form, Map<String, String> fields) {
        String csrf = form.htmlPath().getString("**.find { it.@name == 'csrf-token' }.@value");
        String version = form.htmlPath().getString("**.find { it.@name == 'version' }.@value");
        return given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, session)
                .contentType("application/x-www-form-urlencoded; charset=UTF-8")
                .cookies(form.getCookies()).formParam("csrf-token", csrf).formParam("version", version)
                .formParams(fields).post("/admin/settings/telephony");
    }
}
