package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.startsWith;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Rows;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * Issue 19, part A: livekit, storage and tracing are kinds like llm: REST with If-Match and 400s naming the field,
 * history and rollback, audit with fingerprints, runtime-config in both formats (failing closed naming
 * {@code kind.field}), no live check (said, never blocking), and a database where they are not configured answers
 * runtime-config exactly as before they existed. Each test leaves the fleet kinds unconfigured ({@link #reset}).
 */
@QuarkusTest
public class FleetKindsTest {

    private static final String URL = "/api/v1/internal/runtime-config";
    static final List<ProviderKind> FLEET = List.of(ProviderKind.LIVEKIT, ProviderKind.STORAGE, ProviderKind.TRACING);

    @Inject
    DataSource db;
    @Inject
    EntityManager em;
    @Inject
    ProviderSettings settings;
    @Inject
    ProviderEnvironment environment;

    @BeforeEach
    @AfterEach
    void unconfigured() {
        reset(db);
    }

    /** A valid setting of a fleet kind, its secrets made distinct by {@code tag}. */
    static Map<String, String> valid(ProviderKind kind, String tag) {
        return switch (kind) {
            case LIVEKIT -> Map.of("provider", "livekit", "url", "wss://livekit.example.com",
                    "apiKey", "APIfleet" + tag, "apiSecret", "livekit-secret-" + tag);
            case STORAGE -> Map.of("provider", "minio", "endpoint", "http://minio:9000", "region", "us-east-1",
                    "bucket", "voice-recordings", "accessKey", "fleet-access-" + tag, "secretKey", "fleet-secret-" + tag);
            case TRACING -> Map.of("provider", "otlp", "endpoint", "https://otlp.example.com:4318",
                    "protocol", "http/protobuf", "headers", "authorization=Bearer%20" + tag + ",x-team=voice");
            default -> throw new IllegalArgumentException(kind.id() + " is not a fleet kind");
        };
    }

    /**
     * Back to never configured, as migration V15 leaves them: version 0, no field, no history. What the other test
     * classes on this database expect of these kinds.
     */
    public static void reset(DataSource db) {
        Notified.commit(() -> {
            Rows.update(db, "DELETE FROM provider_setting_versions WHERE kind IN ('livekit', 'storage', 'tracing')");
            Rows.update(db, "UPDATE provider_settings SET provider = NULL, url = NULL, endpoint = NULL, region = NULL,"
                    + " bucket = NULL, protocol = NULL, api_key_id = NULL, api_secret_id = NULL, access_key_id = NULL,"
                    + " secret_key_id = NULL, headers_id = NULL, version = 0, updated_by = NULL, updated_at = now()"
                    + " WHERE kind IN ('livekit', 'storage', 'tracing')");
        });
    }

    @Test
    void unconfiguredFleetKindsLeaveRuntimeConfigByteForByteAsBefore() {
        Response json = runtime().get(URL);
        Response env = runtime().queryParam("format", "env").get(URL);
        long providerVersions = Long.parseLong(Rows.column(db, "SELECT sum(version) FROM provider_settings"
                + " WHERE kind IN ('llm', 'stt', 'tts', 'telephony')").get(0));
        long sharedVersions = Long.parseLong(Rows.column(db, "SELECT count(*) FROM shared_secret_versions").get(0));
        long entryVersions = Long.parseLong(Rows.column(db, "SELECT count(*) FROM provider_entry_versions").get(0));
        assertThat(json.header("ETag")).as("the version is the provider kinds' (with their fallbacks') and shared"
                + " secrets' alone").isEqualTo("\"" + (providerVersions + sharedVersions + entryVersions) + "\"");
        Set<String> fleetNames = FLEET.stream().flatMap(k -> ProviderEnvironment.FLEET_VARIABLES.get(k).values()
                .stream()).flatMap(List::stream).collect(Collectors.toSet());
        assertThat(fleetNames).hasSize(13);
        if (json.statusCode() == 200) {
            assertThat(json.jsonPath().getMap("env").keySet()).as("no variable of an unconfigured kind")
                    .doesNotContainAnyElementsOf(fleetNames);
        }
        assertThat(env.asString()).doesNotContain("LIVEKIT_", "AWS_", "STORAGE_", "OTEL_");
        assertThat(environment.current().managedNames()).as("a runtime's own AWS_*, OTEL_* or LIVEKIT_* variables are"
                + " not Keyhouse's to drop (docker recreate) while it serves none").doesNotContainAnyElementsOf(fleetNames)
                .contains("LLM_API_KEY", "OPENAI_API_KEY", "TWILIO_AUTH_TOKEN");

        for (ProviderKind kind : FLEET) {
            save(kind, valid(kind, "bytes")).then().statusCode(200);
        }
        Response configured = runtime().get(URL);
        assertThat(configured.asString()).contains("LIVEKIT_URL", "AWS_SECRET_ACCESS_KEY", "OTEL_EXPORTER_OTLP_HEADERS");
        assertThat(configured.header("ETag")).isNotEqualTo(json.header("ETag"));
        assertThat(environment.current().managedNames()).as("configured: Keyhouse owns them, an unset one is dropped")
                .containsAll(fleetNames);

        reset(db);
        Response again = runtime().get(URL);
        Response envAgain = runtime().queryParam("format", "env").get(URL);
        assertThat(again.statusCode()).isEqualTo(json.statusCode());
        assertThat(again.header("ETag")).isEqualTo(json.header("ETag"));
        assertThat(again.asByteArray()).as("the JSON answer, byte for byte").isEqualTo(json.asByteArray());
        assertThat(envAgain.header("ETag")).isEqualTo(env.header("ETag"));
        assertThat(envAgain.asByteArray()).as("the env answer, byte for byte").isEqualTo(env.asByteArray());
    }

    @Test
    void eachFleetKindIsSavedOverRestAndServedUnderItsVariables() {
        for (ProviderKind kind : FLEET) {
            Response read = given().auth().oauth2(Clients.admin()).get("/api/v1/settings/" + kind.id());
            read.then().statusCode(200);
            assertThat(read.header("ETag")).isEqualTo("\"0\"");
            assertThat(read.jsonPath().getBoolean("configured")).isFalse();
            given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON).body(valid(kind, "x"))
                    .put("/api/v1/settings/" + kind.id()).then().statusCode(428);
        }
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Map<String, JsonPath> saved = new LinkedHashMap<>();
        for (ProviderKind kind : FLEET) {
            Response answer = save(kind, valid(kind, tag));
            answer.then().statusCode(200);
            assertThat(answer.header("ETag")).isEqualTo("\"1\"");
            JsonPath body = answer.jsonPath();
            assertThat(body.getString("checkNote")).isEqualTo("no live check for " + kind.id());
            assertThat(body.getString("check")).isNull();
            assertThat(body.getList("warnings")).isEmpty();
            for (SettingField secret : kind.secretFields()) {
                assertThat(body.getString(secret.json() + ".fingerprint")).as(kind.id() + " " + secret.json())
                        .hasSize(8);
                assertThat(answer.asString()).doesNotContain(valid(kind, tag).get(secret.json()));
            }
            saved.put(kind.id(), body);
        }

        for (ProviderKind kind : FLEET) {
            assertThat(settings.storedKey(kind)).as(kind.id() + ": no stored key for background checks or rollouts"
                    + " to check").isEmpty();
        }

        JsonPath config = runtime().get(URL).then().statusCode(200).extract().jsonPath();
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("LIVEKIT_URL", "wss://livekit.example.com");
        expected.put("LIVEKIT_API_KEY", "APIfleet" + tag);
        expected.put("LIVEKIT_API_SECRET", "livekit-secret-" + tag);
        expected.put("STORAGE_PROVIDER", "minio");
        expected.put("STORAGE_ENDPOINT", "http://minio:9000");
        expected.put("AWS_ENDPOINT_URL_S3", "http://minio:9000");
        expected.put("AWS_REGION", "us-east-1");
        expected.put("STORAGE_BUCKET", "voice-recordings");
        expected.put("AWS_ACCESS_KEY_ID", "fleet-access-" + tag);
        expected.put("AWS_SECRET_ACCESS_KEY", "fleet-secret-" + tag);
        expected.put("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otlp.example.com:4318");
        expected.put("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        expected.put("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20" + tag + ",x-team=voice");
        Map<String, String> env = config.getMap("env");
        expected.forEach((name, value) -> assertThat(env).containsEntry(name, value));
        assertThat(env).doesNotContainKeys("LIVEKIT_PROVIDER", "TRACING_PROVIDER", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        String lines = runtime().queryParam("format", "env").get(URL).then().statusCode(200).extract().asString();
        assertThat(lines).contains("LIVEKIT_URL=wss://livekit.example.com\n",
                "LIVEKIT_API_SECRET=livekit-secret-" + tag + "\n", "AWS_ENDPOINT_URL_S3=http://minio:9000\n",
                "AWS_SECRET_ACCESS_KEY=fleet-secret-" + tag + "\n", "STORAGE_BUCKET=voice-recordings\n");
        assertThat(lines).containsPattern("OTEL_EXPORTER_OTLP_HEADERS=['\"]?authorization=Bearer%20" + tag
                + ",x-team=voice['\"]?\n");

        // audited with fingerprints, never values; the save says there was no live check
        List<String> audit = Rows.column(db, "SELECT detail || ' | ' || coalesce(new_fingerprint, '') FROM audit_events"
                + " WHERE action = 'setting.save' AND kind = 'livekit' ORDER BY id DESC LIMIT 1");
        assertThat(audit).singleElement().asString().contains("no live check for livekit")
                .contains("apiKey:" + saved.get("livekit").getString("apiKey.fingerprint"))
                .contains("apiSecret:" + saved.get("livekit").getString("apiSecret.fingerprint"))
                .doesNotContain("livekit-secret-" + tag);

        // history and rollback: a new secret, then back to the first
        Map<String, String> rotated = new LinkedHashMap<>(valid(ProviderKind.LIVEKIT, tag));
        rotated.put("apiSecret", "livekit-rotated-" + tag);
        save(ProviderKind.LIVEKIT, rotated).then().statusCode(200);
        assertThat(runtime().get(URL).jsonPath().getString("env.LIVEKIT_API_SECRET"))
                .isEqualTo("livekit-rotated-" + tag);
        given().auth().oauth2(Clients.admin()).header("If-Match", "\"2\"").post("/api/v1/settings/livekit/rollback")
                .then().statusCode(200).header("ETag", "\"3\"");
        assertThat(runtime().get(URL).jsonPath().getString("env.LIVEKIT_API_SECRET"))
                .isEqualTo("livekit-secret-" + tag);
        assertThat(Rows.column(db, "SELECT action FROM provider_setting_versions WHERE kind = 'livekit' ORDER BY version"))
                .containsExactly("save", "save", "rollback");

        // a stale write is refused
        save(ProviderKind.LIVEKIT, valid(ProviderKind.LIVEKIT, tag), 1).then().statusCode(412);
        // a viewer reads, never writes
        String viewer = Clients.token(Clients.newViewer(), Clients.VIEWER_PASSWORD);
        given().auth().oauth2(viewer).get("/api/v1/settings/storage").then().statusCode(200);
        given().auth().oauth2(viewer).contentType(ContentType.JSON).header("If-Match", "\"1\"")
                .body(valid(ProviderKind.STORAGE, tag)).put("/api/v1/settings/storage").then().statusCode(403);
    }

    @Test
    void badInputIsA400NamingEachField() {
        assertFields(ProviderKind.LIVEKIT, Map.of("url", "ftp://livekit.example.com"), "url", "apiKey", "apiSecret");
        assertFields(ProviderKind.LIVEKIT, Map.of("apiKey", "k", "apiSecret", "s"), "url");
        assertFields(ProviderKind.STORAGE, Map.of("provider", "minio", "bucket", "Voice_Recordings",
                "region", "eu west 1", "accessKey", "a", "secretKey", "b"), "endpoint", "bucket", "region");
        assertFields(ProviderKind.STORAGE, Map.of("provider", "gcs", "bucket", "ok-bucket", "accessKey", "a",
                "secretKey", "b"), "provider");
        assertFields(ProviderKind.STORAGE, Map.of("provider", "s3", "bucket", "192.168.5.4"), "bucket", "accessKey",
                "secretKey");
        assertFields(ProviderKind.TRACING, Map.of("protocol", "http", "headers", "api-key"), "endpoint", "protocol",
                "headers");
        assertFields(ProviderKind.TRACING, Map.of("endpoint", "grpc://collector:4317", "headers", "a=1,,b=2"),
                "endpoint", "headers");
        // a wrong type names the field, never a 500
        Clients.put("tracing", 0, Map.of("endpoint", 4318)).then().statusCode(400)
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("endpoint"));
        // nothing was written
        assertThat(Rows.column(db, "SELECT version FROM provider_settings WHERE kind IN ('livekit', 'storage',"
                + " 'tracing')")).containsOnly("0");
    }

    @Test
    void s3NeedsNoEndpointAndIsServedWithoutOne() {
        save(ProviderKind.STORAGE, Map.of("provider", "s3", "bucket", "fleet-audio", "accessKey", "AKIAFLEET0001",
                "secretKey", "s3-secret-0001")).then().statusCode(200);
        Map<String, String> env = runtime().get(URL).then().statusCode(200).extract().jsonPath().getMap("env");
        assertThat(env).containsEntry("STORAGE_PROVIDER", "s3").containsEntry("STORAGE_BUCKET", "fleet-audio")
                .containsEntry("AWS_ACCESS_KEY_ID", "AKIAFLEET0001").containsEntry("AWS_SECRET_ACCESS_KEY", "s3-secret-0001")
                .doesNotContainKeys("AWS_ENDPOINT_URL_S3", "STORAGE_ENDPOINT", "AWS_REGION");
        // a stored secret never follows a new endpoint: moving to MinIO needs both keys again
        JsonPath refused = save(ProviderKind.STORAGE, Map.of("provider", "minio", "endpoint", "http://minio:9000",
                "bucket", "fleet-audio"), 1).then().statusCode(400).extract().jsonPath();
        assertThat(refused.getList("errors.field")).containsExactlyInAnyOrder("accessKey", "secretKey");
        assertThat(refused.getString("errors[0].message")).contains("provider and endpoint host changed");
    }

    @Test
    void checkKeySaysThereIsNoLiveCheckAndSendsNothing() {
        for (ProviderKind kind : FLEET) {
            JsonPath check = given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON)
                    .body(valid(kind, "check")).post("/api/v1/settings/" + kind.id() + "/check").then().statusCode(200)
                    .extract().jsonPath();
            assertThat(check.getString("result")).isEqualTo("unverifiable");
            assertThat(check.getString("code")).isEqualTo("no_check");
            assertThat(check.getString("detail")).isEqualTo("no live check for " + kind.id());
            assertThat(check.getString("negativeControl")).isEqualTo("not_run");
        }
        // validated as a save is
        given().auth().oauth2(Clients.admin()).contentType(ContentType.JSON).body(Map.of("url", "not a url"))
                .post("/api/v1/settings/livekit/check").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItem("url"));
        // nothing recorded as a check
        assertThat(Rows.column(db, "SELECT count(*) FROM provider_checks WHERE kind IN ('livekit', 'storage', 'tracing')"
                + " AND result IS NOT NULL")).containsExactly("0");
    }

    @Test
    void theSettingsPagesShowTheFleetKindsWithoutACheckKeyButton() {
        save(ProviderKind.TRACING, valid(ProviderKind.TRACING, "page")).then().statusCode(200);
        String session = Clients.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String overview = given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session).get("/admin/settings")
                .then().statusCode(200).extract().asString();
        assertThat(overview).contains("id=\"setting-livekit\"", "id=\"setting-storage\"", "id=\"setting-tracing\"",
                "no live check for tracing", "https://otlp.example.com:4318");
        Response form = given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session)
                .get("/admin/settings/tracing");
        form.then().statusCode(200);
        assertThat(form.asString()).contains("id=\"no-live-check\"", "No live check for tracing",
                "name=\"headers\"", "name=\"protocol\"").doesNotContain("Check key", "Bearer%20page");
        String csrf = form.htmlPath().getString("**.find { it.@name == 'csrf-token' }.@value");
        // saved on the page: the form names a bad field, then saves and says so
        Response bad = given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session).redirects().follow(false)
                .formParam("csrf-token", csrf).formParam("version", "1").formParam("endpoint", "https://otlp.example.com:4318")
                .formParam("headers", "no equals sign").post("/admin/settings/tracing");
        bad.then().statusCode(400);
        // the error names the place, never the value; the typed value comes back only in its own field, no-store
        assertThat(bad.asString()).contains("Headers: space at position 3");
        assertThat(bad.header("Cache-Control")).isEqualTo("no-store");
        assertThat(bad.asString().split("no equals sign", -1)).hasSize(2);
        assertThat(bad.htmlPath().getString("**.find { it.@name == 'headers' }.@value")).isEqualTo("no equals sign");
        Response good = given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session).redirects().follow(false)
                .formParam("csrf-token", csrf).formParam("version", "1").formParam("endpoint", "https://otlp.example.com:4318")
                .formParam("protocol", "grpc").post("/admin/settings/tracing");
        good.then().statusCode(303).header("Location", "/admin/settings")
                .cookie(dev.keyhouse.web.Flash.COOKIE, "saved.tracing");
        String notice = dev.keyhouse.auth.Browser.followFlash(session, good).asString();
        assertThat(notice).contains("Tracing (OpenTelemetry) settings saved (no live check for tracing).");
        assertThat(runtime().get(URL).jsonPath().getString("env.OTEL_EXPORTER_OTLP_PROTOCOL")).isEqualTo("grpc");
        // the runtimes form offers every kind as a dependency
        String runtimes = given().cookie(dev.keyhouse.auth.SessionTokens.SESSION_COOKIE, session)
                .get("/admin/runtimes").then().statusCode(200).extract().asString();
        for (ProviderKind kind : ProviderKind.values()) {
            assertThat(runtimes).contains("name=\"dependsOn\" value=\"" + kind.id() + "\"");
        }
    }

    @Test
    void aFleetSecretNoKeyOpensOrARequiredFieldUnsetIsWithheldNamingKindAndField() {
        save(ProviderKind.STORAGE, valid(ProviderKind.STORAGE, "closed")).then().statusCode(200);
        runtime().get(URL).then().statusCode(200);
        RuntimeConfigFailsClosedTest.sealUnderTheLostKey(em, ProviderKind.STORAGE, SettingField.SECRET_KEY);
        Notified.commit(() -> Rows.update(db, "UPDATE provider_settings SET bucket = NULL, updated_at = now()"
                + " WHERE kind = 'storage'"));

        Response json = runtime().get(URL);
        json.then().statusCode(503).contentType(startsWith("application/problem+json"));
        JsonPath problem = json.jsonPath();
        assertThat(problem.getList("errors.field")).containsExactly("storage.bucket", "storage.secretKey");
        assertThat(problem.getList("unresolved.variables")).containsExactly(List.of("STORAGE_BUCKET"),
                List.of("AWS_SECRET_ACCESS_KEY"));
        assertThat(json.asString()).doesNotContain("fleet-access-closed", "fleet-secret-closed");
        runtime().queryParam("format", "env").get(URL).then().statusCode(503);
    }

    private void assertFields(ProviderKind kind, Map<String, String> body, String... fields) {
        Response answer = Clients.put(kind.id(), 0, body);
        answer.then().statusCode(400);
        assertThat(answer.jsonPath().getList("errors.field")).as(kind.id() + " " + body.keySet())
                .containsExactlyInAnyOrder(fields);
    }

    private static Response save(ProviderKind kind, Map<String, String> body) {
        return Clients.put(kind.id(), Clients.version(kind.id()), body);
    }

    private static Response save(ProviderKind kind, Map<String, String> body, long version) {
        return Clients.put(kind.id(), version, body);
    }

    private static io.restassured.specification.RequestSpecification runtime() {
        return given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN);
    }
}
