package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.startsWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Profiles;
import dev.keyhouse.SystemTools;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.crypto.Ciphertext;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.runtimes.RuntimeAcks;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * Issue 13, "Unreadable keys fail closed": while anything configured cannot be served (a secret sealed under a key
 * this Keyhouse no longer has, as after a restart with a new CREDENTIAL_ENCRYPTION_KEY and no _PREVIOUS; a required
 * field unset; a provider it does not serve; a control character), runtime-config answers 503 naming kind and
 * field, serves no value in either format, and acknowledges nothing; {@code ?partial=true} serves the rest.
 */
@QuarkusTest
class RuntimeConfigFailsClosedTest {

    private static final String URL = "/api/v1/internal/runtime-config";
    /** A key this Keyhouse was never given: what the values were sealed under before the mistaken swap. */
    private static final String LOST_KEY = Profiles.ROTATION_LOST_KEY;
    private static final String LOST_KEY_ID = KeyRing.hex(KeyRing.of(LOST_KEY, List.of()).currentKeyId());
    private static final String LLM_KEY = "sk-failclosed-llm-before-3e9a01c7d2";
    private static final String LOST_VALUE = "sk-failclosed-sealed-under-lost-key-77ab";
    private static final String TTS_KEY = "el-failclosed-tts-readable-5c0d8e2b91";
    private static final String TWILIO_SID = "AC0123456789abcdef0123456789abcdef";
    private static final String TWILIO_TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

    @Inject
    EntityManager em;
    @Inject
    DataSource db;
    @Inject
    RuntimeAcks acks;
    @Inject
    SecretFingerprints fingerprints;
    @Inject
    ProviderEnvironment environment;

    private static String adminToken;
    private final List<Long> targets = new java.util.ArrayList<>();

    /** Leaves every kind servable, so the other tests on this database get 200 from runtime-config. */
    @AfterEach
    void repair() {
        for (long id : targets) {
            given().auth().oauth2(admin()).delete("/api/v1/runtimes/" + id);
        }
        for (ProviderEnvironment.Unresolved unresolved : environment.current().unresolved()) {
            ProviderKind kind = ProviderKind.parse(unresolved.kind()).orElseThrow();
            save(kind, validInput(kind, "repaired-" + UUID.randomUUID()));
        }
        assertThat(environment.current().unresolved()).isEmpty();
    }

    @Test
    void aSecretNoConfiguredKeyOpensWithholdsEverythingInBothFormatsUntilItIsEnteredAgain() {
        save(ProviderKind.LLM, Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", LLM_KEY));
        save(ProviderKind.TTS, Map.of("provider", "elevenlabs", "voice", "Rachel", "apiKey", TTS_KEY));
        Response before = runtime().get(URL);
        before.then().statusCode(200);
        long version = before.jsonPath().getLong("version");
        String runtime = "failclosed-" + UUID.randomUUID();

        sealLlmKeyUnderTheLostKey();

        JsonPath admin = given().auth().oauth2(admin()).get("/api/v1/settings/llm").then()
                .statusCode(200).extract().jsonPath();
        assertThat(admin.getBoolean("apiKey.needsReentry")).isTrue();
        assertThat(admin.getString("apiKey.keyId")).isEqualTo(LOST_KEY_ID);

        // without the runtime token nothing is named, not even which field is missing
        given().get(URL).then().statusCode(401);
        given().auth().oauth2(admin()).get(URL).then().statusCode(401);

        // JSON, conditional on the ETag the runtime held before: still refused, not 304
        Response json = runtime().header("If-None-Match", "\"" + version + "\"").header("X-Keyhouse-Runtime", runtime)
                .get(URL);
        json.then().statusCode(503).contentType(startsWith("application/problem+json"))
                .header("Retry-After", "30").header("Cache-Control", "no-store");
        assertThat(json.header("ETag")).isNull();
        JsonPath problem = json.jsonPath();
        assertThat(problem.getInt("status")).isEqualTo(503);
        assertThat(problem.getString("title")).isEqualTo("Service Unavailable");
        assertThat(problem.getList("errors.field")).containsExactly("llm.apiKey");
        assertThat(problem.getList("errors.message")).containsExactly(
                "needs re-entry: written under key " + LOST_KEY_ID + ", which is not configured");
        assertThat(problem.getList("kinds")).containsExactly("llm");
        assertThat(problem.getList("unresolved.variables")).containsExactly(List.of("LLM_API_KEY", "OPENAI_API_KEY"));
        assertThat(problem.getLong("version")).isEqualTo(version);
        assertThat(problem.getString("detail")).contains("llm.apiKey").contains("?partial=true");
        assertThat(problem.getMap("env")).isNull();
        assertNoValueIn(json.asString());

        // env: no pair at all, only comment lines a shell loop can print and a shell can source harmlessly
        Response env = runtime().queryParam("format", "env").header("X-Keyhouse-Runtime", runtime).get(URL);
        env.then().statusCode(503).contentType(startsWith("text/plain")).header("Retry-After", "30");
        String lines = env.asString();
        assertThat(lines.lines()).isNotEmpty().allMatch(line -> line.startsWith("# "));
        assertThat(lines).contains("# llm.apiKey (LLM_API_KEY, OPENAI_API_KEY) needs re-entry: written under key "
                + LOST_KEY_ID + ", which is not configured\n");
        assertNoValueIn(lines);
        runtime().queryParam("partial", "false").get(URL).then().statusCode(503);

        acks.flush(); // fetches are written in batches; write what is pending
        assertThat(Rows.column(db, "SELECT count(*) FROM runtime_acks WHERE runtime = ?", runtime))
                .as("a refused fetch is no acknowledgement").containsExactly("0");

        // the partial set, asked for explicitly: 200, the missing ones named, an ETag of its own
        String partialRuntime = runtime + "-partial";
        Response partial = runtime().queryParam("partial", "true").header("X-Keyhouse-Runtime", partialRuntime).get(URL);
        partial.then().statusCode(200).contentType(ContentType.JSON);
        assertThat(partial.header("ETag")).isEqualTo("\"" + version + "-partial\"");
        Map<String, String> pairs = partial.jsonPath().getMap("env", String.class, String.class);
        assertThat(pairs).containsEntry("LLM_PROVIDER", "openai").containsEntry("LLM_MODEL", "gpt-4o-mini")
                .containsEntry("TTS_API_KEY", TTS_KEY).containsEntry("ELEVENLABS_API_KEY", TTS_KEY)
                .doesNotContainKeys("LLM_API_KEY", "OPENAI_API_KEY");
        assertThat(partial.jsonPath().getList("errors")).containsExactly(
                "llm apiKey needs re-entry: written under key " + LOST_KEY_ID + ", which is not configured");
        assertThat(partial.jsonPath().getList("unresolved.kind")).containsExactly("llm");
        assertThat(partial.jsonPath().getList("unresolved.field")).containsExactly("apiKey");
        acks.flush(); // fetches are written in batches; write what is pending
        assertThat(Rows.column(db, "SELECT coalesce(llm_fingerprint, 'none') FROM runtime_acks WHERE runtime = ?",
                partialRuntime)).as("served without an LLM key: acknowledged on none").containsExactly("none");
        runtime().queryParam("partial", "true").header("If-None-Match", partial.header("ETag")).get(URL)
                .then().statusCode(304);
        String partialLines = runtime().queryParam("format", "env").queryParam("partial", "true").get(URL)
                .then().statusCode(200).contentType(startsWith("text/plain")).extract().asString();
        assertThat(partialLines).contains("TTS_API_KEY=" + TTS_KEY + "\n", "LLM_PROVIDER=openai\n",
                "# partial, left out: llm.apiKey (LLM_API_KEY, OPENAI_API_KEY) needs re-entry: written under key "
                        + LOST_KEY_ID)
                .doesNotContain("LLM_API_KEY=", "OPENAI_API_KEY=", LOST_VALUE);
        runtime().queryParam("partial", "yes").get(URL).then().statusCode(400)
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("partial"));

        // entered again: the whole set, and a runtime holding the partial ETag gets it
        String newKey = "sk-failclosed-llm-reentered-90e4b1f6a3";
        save(ProviderKind.LLM, Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", newKey));
        Response repaired = runtime().header("If-None-Match", partial.header("ETag")).header("X-Keyhouse-Runtime", runtime)
                .get(URL);
        repaired.then().statusCode(200).contentType(ContentType.JSON);
        assertThat(repaired.header("ETag")).isEqualTo("\"" + (version + 1) + "\"");
        assertThat(repaired.jsonPath().getString("env.LLM_API_KEY")).isEqualTo(newKey);
        assertThat(repaired.jsonPath().getString("env.TTS_API_KEY")).isEqualTo(TTS_KEY);
        assertThat(repaired.jsonPath().getList("errors")).isEmpty();
        assertThat(repaired.jsonPath().getList("unresolved")).isEmpty();
        assertThat(runtime().queryParam("format", "env").get(URL).then().statusCode(200).extract().asString())
                .contains("LLM_API_KEY=" + newKey + "\n").doesNotContain("# partial");
        acks.flush(); // fetches are written in batches; write what is pending
        assertThat(Rows.column(db, "SELECT llm_fingerprint FROM runtime_acks WHERE runtime = ?", runtime))
                .containsExactly(fingerprints.of(newKey));
    }

    @Test
    void incompleteSettingsAreWithheldTooEachFieldNamed() {
        save(ProviderKind.LLM, validInput(ProviderKind.LLM, "incomplete"));
        save(ProviderKind.STT, validInput(ProviderKind.STT, "incomplete"));
        save(ProviderKind.TTS, validInput(ProviderKind.TTS, "incomplete"));
        save(ProviderKind.TELEPHONY, validInput(ProviderKind.TELEPHONY, "incomplete"));
        runtime().get(URL).then().statusCode(200);
        String ttsKey = validInput(ProviderKind.TTS, "incomplete").get("apiKey");
        String sttKey = validInput(ProviderKind.STT, "incomplete").get("apiKey");

        // rows no save would write: edited by hand, restored from a dump, written by another release
        Notified.commit(() -> QuarkusTransaction.requiringNew().run(() -> {
            // a line break would smuggle a second variable into ?format=env
            em.createNativeQuery("UPDATE provider_settings SET base_url = 'https://api.openai.com/v1' || chr(10)"
                    + " || 'INJECTED=1', updated_at = now() WHERE kind = 'llm'").executeUpdate();
            em.createNativeQuery("UPDATE provider_settings SET model = NULL, updated_at = now() WHERE kind = 'stt'")
                    .executeUpdate();
            em.createNativeQuery("UPDATE provider_settings SET provider = 'acme', updated_at = now() WHERE kind = 'tts'")
                    .executeUpdate();
            em.createNativeQuery("UPDATE provider_settings SET auth_token_id = NULL, updated_at = now()"
                    + " WHERE kind = 'telephony'").executeUpdate();
        }));

        Response json = runtime().get(URL);
        json.then().statusCode(503).contentType(startsWith("application/problem+json")).header("Retry-After", "30");
        JsonPath problem = json.jsonPath();
        assertThat(problem.getList("errors.field"))
                .containsExactly("llm.baseUrl", "stt.model", "tts.provider", "telephony.authToken");
        assertThat(problem.getList("errors.message")).containsExactly(
                "contains a control character, which an environment cannot carry", "is not set",
                "is not one this Keyhouse serves (elevenlabs, sarvam, custom)", "is not set");
        assertThat(problem.getList("kinds")).containsExactly("llm", "stt", "tts", "telephony");
        assertThat(problem.getList("unresolved.variables")).containsExactly(List.of("LLM_BASE_URL"),
                List.of("STT_MODEL"), List.of("TTS_PROVIDER"), List.of("TWILIO_AUTH_TOKEN"));
        assertThat(json.asString()).doesNotContain("INJECTED", "acme", ttsKey, sttKey, TWILIO_SID, TWILIO_TOKEN);

        String lines = runtime().queryParam("format", "env").get(URL).then().statusCode(503).extract().asString();
        assertThat(lines.lines()).allMatch(line -> line.startsWith("# "));
        assertThat(lines).contains("# stt.model (STT_MODEL) is not set\n", "# telephony.authToken (TWILIO_AUTH_TOKEN)"
                + " is not set\n").doesNotContain("INJECTED", ttsKey, sttKey, TWILIO_SID);

        String partial = runtime().queryParam("format", "env").queryParam("partial", "true").get(URL)
                .then().statusCode(200).extract().asString();
        assertThat(partial).contains("LLM_PROVIDER=openai\n", "STT_PROVIDER=deepgram\n", "STT_API_KEY=" + sttKey + "\n",
                "TTS_API_KEY=" + ttsKey + "\n", "TWILIO_ACCOUNT_SID=" + TWILIO_SID + "\n",
                "# partial, left out: tts.provider (TTS_PROVIDER) is not one this Keyhouse serves")
                .doesNotContain("INJECTED", "LLM_BASE_URL=", "STT_MODEL=", "TTS_PROVIDER=", "ACME_API_KEY",
                        "TWILIO_AUTH_TOKEN=");

        save(ProviderKind.LLM, validInput(ProviderKind.LLM, "complete"));
        save(ProviderKind.STT, validInput(ProviderKind.STT, "complete"));
        save(ProviderKind.TTS, validInput(ProviderKind.TTS, "complete"));
        save(ProviderKind.TELEPHONY, validInput(ProviderKind.TELEPHONY, "complete"));
        assertThat(runtime().get(URL).then().statusCode(200).extract().jsonPath().getList("errors")).isEmpty();
    }

    /**
     * A kind with several secrets (telephony: the auth token and an API key's secret) is withheld when any one of
     * them cannot be opened, even with the other readable: a runtime never starts on part of its credentials.
     */
    @Test
    void anyUnreadableSecretOfAKindWithSeveralWithholdsIt() {
        String apiSecret = "failclosed-api-secret-" + UUID.randomUUID();
        Map<String, String> input = new LinkedHashMap<>(validInput(ProviderKind.TELEPHONY, "several"));
        input.put("apiKeySid", "SK0123456789abcdef0123456789abcdef");
        input.put("apiSecret", apiSecret);
        save(ProviderKind.TELEPHONY, input);
        assertThat(runtime().get(URL).then().statusCode(200).extract().jsonPath().getString("env.TWILIO_API_SECRET"))
                .isEqualTo(apiSecret);

        sealUnderTheLostKey(ProviderKind.TELEPHONY, SettingField.API_SECRET);

        Response json = runtime().get(URL);
        json.then().statusCode(503).contentType(startsWith("application/problem+json"));
        JsonPath problem = json.jsonPath();
        assertThat(problem.getList("errors.field")).containsExactly("telephony.apiSecret");
        assertThat(problem.getList("errors.message")).containsExactly(
                "needs re-entry: written under key " + LOST_KEY_ID + ", which is not configured");
        assertThat(problem.getList("unresolved.variables")).containsExactly(List.of("TWILIO_API_SECRET"));
        assertThat(json.asString()).doesNotContain(apiSecret, LOST_VALUE, TWILIO_TOKEN);
        assertThat(environment.current().env()).as("the readable auth token is served only in a partial set")
                .containsEntry("TWILIO_AUTH_TOKEN", TWILIO_TOKEN).doesNotContainKey("TWILIO_API_SECRET");
        assertThat(environment.current().complete()).isFalse();
    }

    /**
     * The restart run counts a runtime as back on the new key only from a fetch that served it: a runtime whose
     * fetch is refused (it cannot start) is not confirmed, and is once a fetch succeeds.
     */
    @Test
    void aRuntimeWhoseFetchIsRefusedIsNotConfirmedOnTheNewKey() throws InterruptedException {
        save(ProviderKind.TTS, Map.of("provider", "elevenlabs", "voice", "Rachel", "apiKey", TTS_KEY));
        String name = "failclosed-ack-" + UUID.randomUUID().toString().substring(0, 8);
        Response created = given().auth().oauth2(admin()).contentType(ContentType.JSON)
                .body(Map.of("name", name, "driver", "command", "dependsOn", List.of("llm"),
                        "config", Map.of("command", "true")))
                .post("/api/v1/runtimes");
        created.then().statusCode(201);
        targets.add(created.jsonPath().getLong("id"));
        String newKey = "sk-failclosed-ack-new-" + UUID.randomUUID();
        long runId = save(ProviderKind.LLM, Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", newKey))
                .getLong("restartRun");
        String mine = "results.find { it.target == '" + name + "' }.";
        JsonPath run = awaitRun(runId);
        assertThat(run.getString(mine + "state")).isEqualTo("restarted");

        // the runtime comes back, but meanwhile a value it needs became unreadable: it cannot start
        sealUnderTheLostKey(ProviderKind.TTS);
        runtime().header("X-Keyhouse-Runtime", name).get(URL).then().statusCode(503);

        run = run(runId);
        assertThat(run.getString("convergence.fingerprint")).isEqualTo(fingerprints.of(newKey));
        assertThat(run.getString(mine + "ackFingerprint")).isNull();
        assertThat(run.getBoolean(mine + "confirmed")).isFalse();
        assertThat(run.getList("convergence.notAsked")).as(run.prettify()).contains(name);

        save(ProviderKind.TTS, Map.of("provider", "elevenlabs", "voice", "Rachel", "apiKey", TTS_KEY));
        runtime().header("X-Keyhouse-Runtime", name).get(URL).then().statusCode(200);
        run = run(runId);
        assertThat(run.getString(mine + "ackFingerprint")).isEqualTo(fingerprints.of(newKey));
        assertThat(run.getBoolean(mine + "confirmed")).isTrue();
        assertThat(run.getList("convergence.notAsked")).doesNotContain(name);
        assertThat(run.getString(mine + "confirmState")).isEqualTo("confirmed");
    }

    /**
     * The compose example runtime's own start script (docker-compose.yml, run here by the host's sh and wget instead
     * of busybox, its paths moved to a temporary folder and httpd left out): while the config is withheld it keeps
     * retrying and never reports itself healthy; once the key is entered again it starts on it.
     */
    @Test
    @SystemTools("wget")
    void theComposeExampleRuntimeWaitsWhileTheConfigIsWithheld(@TempDir Path dir) throws Exception {
        assertThat(java.util.stream.Stream.of("/usr/bin/wget", "/bin/wget").anyMatch(p -> Files.isExecutable(Path.of(p))))
                .as("the script fetches with wget: apt-get install wget (.ci/run does)").isTrue();
        save(ProviderKind.LLM, Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", LLM_KEY));
        sealLlmKeyUnderTheLostKey();
        String script = new YAMLMapper().readTree(Path.of("docker-compose.yml").toFile()).path("services")
                .path("example-runtime").path("command").get(2).asText().replace("$$", "$");
        assertThat(script).contains("/run/runtime", "/www", "exec httpd");
        script = script.replace("/run/runtime", dir.resolve("run").toString()).replace("/www", dir.resolve("www").toString())
                .replaceAll("exec httpd[^\n]*", "exit 0");
        String name = "failclosed-compose-" + UUID.randomUUID().toString().substring(0, 8);
        Path output = dir.resolve("output.txt");
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(variable -> variable.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy")
                || variable.equals("KEYHOUSE_RUNTIME_NAME"));
        env.put("KEYHOUSE_URL", "http://127.0.0.1:" + RestAssured.port);
        env.put("RUNTIME_NAME", name);
        env.put("PROVISIONER_INTERNAL_TOKEN", TestSettings.RUNTIME_CONFIG_TOKEN);
        Process process = builder.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!Files.readString(output).contains("retrying") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(output)).contains("runtime-config not served");
            assertThat(process.isAlive()).as("still waiting: " + Files.readString(output)).isTrue();
            assertThat(dir.resolve("www/health")).doesNotExist();
            acks.flush(); // fetches are written in batches; write what is pending
            assertThat(Rows.column(db, "SELECT count(*) FROM runtime_acks WHERE runtime = ?", name)).containsExactly("0");

            String newKey = "sk-failclosed-compose-reentered-" + UUID.randomUUID();
            save(ProviderKind.LLM, Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", newKey));

            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(Files.readString(output)).isTrue();
            assertThat(process.exitValue()).isZero();
            assertThat(Files.readString(output)).contains("provider configuration loaded").doesNotContain(newKey);
            assertThat(dir.resolve("www/health")).hasContent("ok");
            assertThat(Files.readString(dir.resolve("run/provider.env"))).contains("LLM_API_KEY=" + newKey + "\n");
            acks.flush(); // fetches are written in batches; write what is pending
            assertThat(Rows.column(db, "SELECT llm_fingerprint FROM runtime_acks WHERE runtime = ?", name))
                    .containsExactly(fingerprints.of(newKey));
        } finally {
            process.destroyForcibly();
        }
    }

    /** One sign-in for the whole class: each costs a password hash. */
    private static String admin() {
        if (adminToken == null) {
            adminToken = ApiClient.adminToken();
        }
        return adminToken;
    }

    private static RequestSpecification runtime() {
        return given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN);
    }

    /** Not one configured value, nor the value sealed under the lost key, in a refused answer. */
    private static void assertNoValueIn(String body) {
        assertThat(body).doesNotContain(LLM_KEY, LOST_VALUE, TTS_KEY, "gpt-4o-mini", "Rachel", "elevenlabs", "openai")
                .doesNotContain("LLM_PROVIDER=", "TTS_API_KEY");
    }

    /** As after a restart with a new CREDENTIAL_ENCRYPTION_KEY: the stored llm key sealed under one no longer set. */
    private void sealLlmKeyUnderTheLostKey() {
        sealUnderTheLostKey(ProviderKind.LLM);
    }

    /**
     * Points the kind's secret at a value sealed under {@link #LOST_KEY}, version unchanged (a restart changes no
     * version); {@code updated_at} moves so the cached environment is rebuilt, as a restarted Keyhouse would.
     */
    private void sealUnderTheLostKey(ProviderKind kind) {
        sealUnderTheLostKey(em, kind, kind.secretField());
    }

    /** As {@link #sealUnderTheLostKey(ProviderKind)}, for one secret field of a kind with several. */
    private void sealUnderTheLostKey(ProviderKind kind, SettingField field) {
        sealUnderTheLostKey(em, kind, field);
    }

    /** {@link #sealUnderTheLostKey(ProviderKind)} for other tests; returns the id of the key it names. */
    static String sealUnderTheLostKey(EntityManager em, ProviderKind kind) {
        return sealUnderTheLostKey(em, kind, kind.secretField());
    }

    /** As {@link #sealUnderTheLostKey(EntityManager, ProviderKind)}, for one secret field of a kind with several. */
    static String sealUnderTheLostKey(EntityManager em, ProviderKind kind, SettingField field) {
        String purpose = kind.purpose(field);
        UUID id = UUID.randomUUID();
        Ciphertext sealed = new CredentialCipher(KeyRing.of(LOST_KEY, List.of())).seal(id, purpose, LOST_VALUE);
        Notified.commit(() -> QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("INSERT INTO sealed_values (id, purpose, key_id, ciphertext) VALUES (?1, ?2, ?3, ?4)")
                    .setParameter(1, id).setParameter(2, purpose).setParameter(3, sealed.keyId())
                    .setParameter(4, sealed.bytes()).executeUpdate();
            em.createNativeQuery("UPDATE provider_settings SET " + field.column() + "_id = ?1, updated_at = now()"
                    + " WHERE kind = ?2").setParameter(1, id).setParameter(2, kind.id()).executeUpdate();
        }));
        return LOST_KEY_ID;
    }

    private static Map<String, String> validInput(ProviderKind kind, String tag) {
        Map<String, String> input = new LinkedHashMap<>();
        switch (kind) {
            case LLM -> input.putAll(Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", "sk-fc-" + tag));
            case STT -> input.putAll(Map.of("provider", "deepgram", "model", "nova-2", "apiKey", "dg-fc-" + tag));
            case TTS -> input.putAll(Map.of("provider", "elevenlabs", "voice", "Rachel", "apiKey", "el-fc-" + tag));
            case TELEPHONY -> input.putAll(Map.of("accountSid", TWILIO_SID, "authToken", TWILIO_TOKEN,
                    "fromNumber", "+14155550100"));
            case LIVEKIT, STORAGE, TRACING -> input.putAll(FleetKindsTest.valid(kind, tag));
        }
        return input;
    }

    /** Saves over REST, as an admin re-entering a value would; the answer's JSON. */
    private static JsonPath save(ProviderKind kind, Map<String, String> input) {
        String admin = admin();
        String etag = given().auth().oauth2(admin).get("/api/v1/settings/" + kind.id()).then().statusCode(200)
                .extract().header("ETag");
        return given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag).body(input)
                .put("/api/v1/settings/" + kind.id()).then().statusCode(200).extract().jsonPath();
    }

    private static JsonPath run(long id) {
        return given().auth().oauth2(admin()).get("/api/v1/restarts/" + id).then().statusCode(200)
                .extract().jsonPath();
    }

    private static JsonPath awaitRun(long id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath run = run(id);
            if (run.getBoolean("finished")) {
                return run;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("restart run " + id + " did not finish: " + run(id).prettify());
    }
}
