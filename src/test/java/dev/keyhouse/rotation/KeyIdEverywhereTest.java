package dev.keyhouse.rotation;

import static dev.keyhouse.Profiles.ROTATION_NEW_KEY;
import static dev.keyhouse.Profiles.ROTATION_OLD_KEY;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Management;
import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.LogCapture;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.sealed.SecretFingerprints;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * Issue 20, item 2: one identifier per encryption key. Every place that names the current key (NEW) or the previous
 * key (OLD) — the Environment page and {@code GET /api/v1/environment}, the Key rotation page and API, a job's target
 * key, a secret summary's {@code keyId}, the {@code keyhouse_sealed_values} gauge, the audit log and the application
 * log — names it by the same id, and that id is the one docs/crypto.md defines, computed here from the key itself:
 * the first 4 bytes of HMAC-SHA256 keyed by the raw key over "keyhouse key id v1", as 8 lowercase hex digits. The
 * keys' text fingerprints (what the Environment page used to show) appear nowhere.
 */
@QuarkusTest
@TestProfile(Profiles.BehindProxyDockerRestarts.class)
class KeyIdEverywhereTest {

    private static final String NEW_ID = keyIdOf(ROTATION_NEW_KEY);
    private static final String OLD_ID = keyIdOf(ROTATION_OLD_KEY);

    @Inject
    DataSource db;

    @Inject
    SecretFingerprints fingerprints;

    @Test
    void everyPageApiLogAndAuditEntryNamesEachKeyByTheOneKeyId() {
        SealedRows.seed(db, SealedRows.cipher(ROTATION_OLD_KEY), "key-ids/" + System.nanoTime() + "/api_key", 3);
        String admin = ApiClient.adminToken();
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        Map<String, List<String>> current = new LinkedHashMap<>();
        Map<String, List<String>> previous = new LinkedHashMap<>();

        JsonPath environment = given().auth().oauth2(admin).get("/api/v1/environment").then().statusCode(200)
                .extract().jsonPath();
        current.put("GET /api/v1/environment keyIds", environment.getList(
                "find { it.name == 'CREDENTIAL_ENCRYPTION_KEY' }.keyIds"));
        previous.put("GET /api/v1/environment keyIds", environment.getList(
                "find { it.name == 'CREDENTIAL_ENCRYPTION_KEY_PREVIOUS' }.keyIds"));
        assertThat(environment.getList("findAll { it.name.startsWith('CREDENTIAL_ENCRYPTION_KEY') }.fingerprint"))
                .as("a key has no second identifier").containsExactly(null, null);

        String environmentPage = page(session, "/admin/environment");
        current.put("Environment page", idsIn(row(environmentPage, "<code>CREDENTIAL_ENCRYPTION_KEY</code>")));
        previous.put("Environment page", idsIn(row(environmentPage, "<code>CREDENTIAL_ENCRYPTION_KEY_PREVIOUS</code>")));
        assertThat(environmentPage).as("the page says what a key id is")
                .contains("first 4 bytes of HMAC-SHA256 keyed by the key over the text <q>keyhouse key id v1</q>");
        // issue 20 (smalls, point 5): the intro explains how a key's id is made once, the kid as "made the same way"
        assertThat(environmentPage.split("first 4 bytes of HMAC-SHA256", -1)).as("the intro explains an id once")
                .hasSize(2);

        JsonPath overview = given().auth().oauth2(admin).get(Jobs.API).then().statusCode(200).extract().jsonPath();
        current.put("rotation API currentKeyId", List.of(overview.getString("currentKeyId")));
        previous.put("rotation API previousKeyIds", overview.getList("previousKeyIds"));
        current.put("rotation API keys", overview.getList("keys.findAll { it.status == 'CURRENT' }.keyId"));
        previous.put("rotation API keys", overview.getList("keys.findAll { it.status == 'PREVIOUS' }.keyId"));

        String rotationPage = page(session, "/admin/rotate-credentials");
        current.put("Key rotation page", keyTableIds(rotationPage, "current"));
        previous.put("Key rotation page", keyTableIds(rotationPage, "previous"));
        assertThat(rotationPage).contains("keyhouse key id v1");

        String log;
        long job;
        try (LogCapture capture = LogCapture.install()) {
            job = Jobs.started(admin);
            Jobs.awaitEnd(admin, job);
            log = capture.text();
        }
        current.put("job report targetKeyId", List.of(Jobs.report(admin, job).getString("targetKeyId")));
        current.put("job card", idsIn(between(page(session, "/admin/rotate-credentials?job=" + job), "Target key", ".")));
        current.put("application log", idsIn(between(log, "rotation job " + job + " started by", "\n")));
        JsonPath audit = given().auth().oauth2(admin).get("/api/v1/audit?kind=rotation").then().statusCode(200)
                .extract().jsonPath();
        current.put("audit log rotation.started", idsIn(audit.getString(
                "items.find { it.action == 'rotation.started' && it.target == 'job " + job + "' }.detail")));

        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        current.put("keyhouse_sealed_values gauge", labels(metrics, "current"));
        previous.put("keyhouse_sealed_values gauge", labels(metrics, "previous"));

        current.put("secret summary keyId", List.of(savedSecretKeyId(admin)));

        assertThat(current).as("every place names the current key " + NEW_ID)
                .allSatisfy((place, ids) -> assertThat(ids).as(place).containsExactly(NEW_ID));
        assertThat(previous).as("every place names the previous key " + OLD_ID)
                .allSatisfy((place, ids) -> assertThat(ids).as(place).containsExactly(OLD_ID));
        for (String key : List.of(ROTATION_NEW_KEY, ROTATION_OLD_KEY)) {
            assertThat(String.join("\n", environment.prettify(), environmentPage, rotationPage, overview.prettify()))
                    .as("the key's text fingerprint, once the Environment page's name for it, is gone")
                    .doesNotContain(fingerprints.of(key));
        }
    }

    /**
     * Follow-up, point 3: the JWT signing keys have one id too, the {@code kid} their tokens carry (docs/crypto.md:
     * the first 4 bytes of HMAC-SHA256 keyed by the raw key over "keyhouse jwt kid v1", computed here): a session's
     * and an access token's header, {@code GET /api/v1/environment} and the Environment page all name each key by
     * it, and the keys' text fingerprints appear nowhere.
     */
    @Test
    void theJwtSigningKeysAreNamedByTheKidTheirTokensCarry() {
        org.eclipse.microprofile.config.Config config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        String currentKey = config.getValue("keyhouse.jwt.key", String.class);
        java.util.Optional<String> previousKey = config.getOptionalValue("keyhouse.jwt.previous-key", String.class)
                .filter(k -> !k.isBlank());
        String kid = idOf(currentKey, "keyhouse jwt kid v1");
        List<String> previousKids = previousKey.map(k -> List.of(idOf(k, "keyhouse jwt kid v1"))).orElse(List.of());
        String admin = ApiClient.adminToken();
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        Map<String, List<String>> current = new LinkedHashMap<>();
        Map<String, List<String>> previous = new LinkedHashMap<>();

        current.put("access token header kid", List.of(headerKid(admin)));
        current.put("session token header kid", List.of(headerKid(session)));
        JsonPath environment = given().auth().oauth2(admin).get("/api/v1/environment").then().statusCode(200)
                .extract().jsonPath();
        current.put("GET /api/v1/environment keyIds", environment.getList("find { it.name == 'JWT_SECRET_KEY' }.keyIds"));
        List<String> listed = environment.getList("find { it.name == 'JWT_SECRET_KEY_PREVIOUS' }.keyIds");
        previous.put("GET /api/v1/environment keyIds", listed == null ? List.of() : listed);
        assertThat(environment.getList("findAll { it.name.startsWith('JWT_SECRET_KEY') }.fingerprint"))
                .as("a signing key has no second identifier").containsOnlyNulls();
        String page = page(session, "/admin/environment");
        current.put("Environment page", idsIn(row(page, "<code>JWT_SECRET_KEY</code>")));
        previous.put("Environment page", idsIn(row(page, "<code>JWT_SECRET_KEY_PREVIOUS</code>")));
        assertThat(row(page, "<code>JWT_SECRET_KEY</code>")).contains("kid <code class=\"key-id\">" + kid + "</code>");
        assertThat(page).as("the page says what a kid is").contains("<q>keyhouse jwt kid v1</q>");

        assertThat(current).allSatisfy((place, ids) -> assertThat(ids).as(place).containsExactly(kid));
        assertThat(previous).allSatisfy((place, ids) -> assertThat(ids).as(place).isEqualTo(previousKids));
        for (String key : previousKey.map(k -> List.of(currentKey, k)).orElse(List.of(currentKey))) {
            assertThat(environment.prettify() + page).doesNotContain(fingerprints.of(key));
        }
    }

    /** The {@code kid} in a compact JWT's header. */
    private static String headerKid(String jwt) {
        String header = new String(Base64.getUrlDecoder().decode(jwt.substring(0, jwt.indexOf('.'))),
                StandardCharsets.UTF_8);
        return new JsonPath(header).getString("kid");
    }

    /** The key id as docs/crypto.md defines it, computed here without Keyhouse's code. */
    static String keyIdOf(String base64Key) {
        return idOf(base64Key, "keyhouse key id v1");
    }

    /** The first 4 bytes of HMAC-SHA256 keyed by the raw key over {@code label}, as 8 lowercase hex digits. */
    private static String idOf(String base64Key, String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(base64Key), "HmacSHA256"));
            byte[] tag = mac.doFinal(label.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(tag, 0, 4);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Saves a livekit setting (no live check) and returns its secret summary's {@code keyId}. */
    private static String savedSecretKeyId(String admin) {
        Response before = given().auth().oauth2(admin).get("/api/v1/settings/livekit");
        before.then().statusCode(200);
        given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", before.header("ETag"))
                .body(Map.of("provider", "livekit", "url", "wss://livekit.example.com", "apiKey", "APIkeyids",
                        "apiSecret", "livekit-secret-key-ids-" + System.nanoTime()))
                .put("/api/v1/settings/livekit").then().statusCode(200);
        return given().auth().oauth2(admin).get("/api/v1/settings/livekit").then().statusCode(200).extract()
                .jsonPath().getString("apiSecret.keyId");
    }

    private static String page(String session, String path) {
        return given().cookie(SessionTokens.SESSION_COOKIE, session).get(path).then().statusCode(200).extract()
                .asString();
    }

    /** The table row of {@code html} that holds {@code marker}. */
    private static String row(String html, String marker) {
        for (String row : html.split("<tr")) {
            if (row.contains(marker)) {
                return row.substring(0, row.indexOf("</tr>"));
            }
        }
        throw new AssertionError("no row with " + marker);
    }

    /** The rows of the Key rotation page's key table with this status: their key ids. */
    private static List<String> keyTableIds(String html, String status) {
        return groups("<code class=\"key-id\">([0-9a-f]{8})</code></td>\\s*<td>" + status + "</td>", html);
    }

    private static String between(String text, String start, String end) {
        int from = text.indexOf(start);
        assertThat(from).as("\"" + start + "\" is there").isNotNegative();
        int to = text.indexOf(end, from + start.length() + 1);
        return text.substring(from, to < 0 ? text.length() : to);
    }

    /** Every distinct 8-hex-digit word in {@code text}: whatever names a key there, in order. */
    private static List<String> idsIn(String text) {
        return groups("\\b([0-9a-f]{8})\\b", text == null ? "" : text).stream().distinct().toList();
    }

    /** The {@code keyhouse_sealed_values} series of keys with this status tag: their {@code key_id} labels. */
    private static List<String> labels(String metrics, String status) {
        return groups("keyhouse_sealed_values\\{key_id=\"([0-9a-f]{8})\",status=\"" + status + "\"", metrics);
    }

    /** The first group of each match of {@code regex} in {@code text}, in order. */
    private static List<String> groups(String regex, String text) {
        List<String> found = new ArrayList<>();
        Matcher match = Pattern.compile(regex).matcher(text);
        while (match.find()) {
            found.add(match.group(1));
        }
        return found;
    }
}
