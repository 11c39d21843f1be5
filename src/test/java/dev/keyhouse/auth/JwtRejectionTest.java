package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.keyhouse.TestSettings;
import dev.keyhouse.crypto.KeyRing;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;

/**
 * Each credential Keyhouse must refuse, one at a time, on one API route and one page route, by bearer header and
 * by session cookie: 401 problem+json on the API, a redirect to sign in (clearing the cookie) on pages. And the
 * other side of rotation: a token signed with JWT_SECRET_KEY_PREVIOUS still opens Keyhouse.
 */
@QuarkusTest
class JwtRejectionTest {

    private static final String API_ROUTE = "/api/v1/users";
    private static final String PAGE_ROUTE = "/admin/users";
    private static final String SIGN_IN_REDIRECT = "/login?next=%2Fadmin%2Fusers";

    private static Callers callers;

    @Inject
    UserAdmin userAdmin;
    @Inject
    SessionTokens sessions;
    @Inject
    SigningKeys keys;

    private Callers callers() {
        if (callers == null) {
            callers = Callers.create(userAdmin, sessions, keys);
        }
        return callers;
    }

    /**
     * Correctly signed tokens that would never expire if {@code exp - iat} could overflow or a negative or ancient
     * {@code iat} were let through: refused as bearer and as the session cookie.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "-4611686018427387904, 4611686018427387904",
        "-9223372036854775000, 50",
        "-9223372036854775808, 9223372036854775807",
        "-1, 1",
        "0, 1",
        "-86400, 1"})
    void tokensThatNeverExpireAreRefused(long iat, long expYearsFromNow) {
        long exp = expYearsFromNow > 1000 ? expYearsFromNow
                : java.time.Instant.now().getEpochSecond() + expYearsFromNow * 365 * 86_400 + 60;
        User user = userAdmin.add("never-expires", Browser.uniqueEmail("never-expires"), Browser.PASSWORD,
                Role.ADMIN_NAME);
        String token = ForgedTokens.withTimes(user, keys, iat, exp);
        given().auth().oauth2(token).get(API_ROUTE).then().statusCode(401);
        given().cookie(SessionTokens.SESSION_COOKIE, token).get(API_ROUTE).then().statusCode(401);
    }

    @ParameterizedTest
    @ValueSource(strings = {Callers.EXPIRED, Callers.TAMPERED, Callers.ALG_NONE, Callers.UNKNOWN_KEY,
            Callers.WRONG_ISSUER, Callers.FUTURE_IAT, Callers.HUNDRED_YEARS, Callers.NO_IAT, Callers.DISABLED_USER, Callers.ENDED_SESSION, Callers.REVOKED_TOKEN})
    void refusedAsBearerOnTheApi(String name) {
        Caller caller = callers().named(name);
        caller.bearer(given()).get(API_ROUTE).then().statusCode(401)
                .contentType(startsWith("application/problem+json"))
                .header("WWW-Authenticate", "Bearer")
                .body("status", equalTo(401));
    }

    @ParameterizedTest
    @ValueSource(strings = {Callers.EXPIRED, Callers.TAMPERED, Callers.ALG_NONE, Callers.UNKNOWN_KEY,
            Callers.WRONG_ISSUER, Callers.FUTURE_IAT, Callers.HUNDRED_YEARS, Callers.NO_IAT, Callers.DISABLED_USER, Callers.ENDED_SESSION})
    void refusedAsSessionCookieOnTheApi(String name) {
        callers().named(name).cookie(given()).get(API_ROUTE).then().statusCode(401)
                .contentType(startsWith("application/problem+json"));
    }

    @ParameterizedTest
    @ValueSource(strings = {Callers.EXPIRED, Callers.TAMPERED, Callers.ALG_NONE, Callers.UNKNOWN_KEY,
            Callers.WRONG_ISSUER, Callers.FUTURE_IAT, Callers.HUNDRED_YEARS, Callers.NO_IAT, Callers.DISABLED_USER, Callers.ENDED_SESSION})
    void refusedAsSessionCookieOnAPageWhichDropsTheCookie(String name) {
        callers().named(name).cookie(given().redirects().follow(false)).get(PAGE_ROUTE).then().statusCode(303)
                .header("Location", containsString(SIGN_IN_REDIRECT))
                .header("Set-Cookie", containsString(SessionTokens.SESSION_COOKIE + "=;"))
                .header("Set-Cookie", containsString("Max-Age=0"));
    }

    /** A page answers a refused bearer header the way it answers a refused cookie: go and sign in. */
    @ParameterizedTest
    @ValueSource(strings = {Callers.EXPIRED, Callers.TAMPERED, Callers.ALG_NONE, Callers.UNKNOWN_KEY,
            Callers.WRONG_ISSUER, Callers.FUTURE_IAT, Callers.HUNDRED_YEARS, Callers.NO_IAT, Callers.DISABLED_USER, Callers.ENDED_SESSION, Callers.REVOKED_TOKEN})
    void refusedAsBearerOnAPage(String name) {
        callers().named(name).bearer(given().redirects().follow(false)).get(PAGE_ROUTE).then().statusCode(303)
                .header("Location", containsString(SIGN_IN_REDIRECT));
    }

    /** A stale cookie must not lock anyone out of signing in again. */
    @ParameterizedTest
    @ValueSource(strings = {Callers.EXPIRED, Callers.TAMPERED, Callers.ALG_NONE, Callers.UNKNOWN_KEY,
            Callers.WRONG_ISSUER, Callers.FUTURE_IAT, Callers.HUNDRED_YEARS, Callers.NO_IAT, Callers.DISABLED_USER, Callers.ENDED_SESSION})
    void theSignInPageStillOpensWithARefusedCookie(String name) {
        callers().named(name).cookie(given().redirects().follow(false)).get("/login").then().statusCode(200)
                .body(containsString("csrf-token"))
                .body(containsString("Sign in"));
    }

    @Test
    void eachForgedTokenDiffersFromAnAcceptedOneInExactlyItsFlaw() {
        Callers all = callers();
        Caller admin = all.named("admin");
        Map<String, Object> adminClaims = ForgedTokens.part(admin.credential(), 1);

        Map<String, Object> expired = ForgedTokens.part(all.named(Callers.EXPIRED).credential(), 1);
        assertThat(((Number) expired.get("exp")).longValue()).isLessThan(Instant.now().minusSeconds(3000).getEpochSecond());
        assertThat(expired.get("iss")).isEqualTo(SessionTokens.ISSUER);

        String tampered = all.named(Callers.TAMPERED).credential();
        String viewerToken = all.named("viewer").credential();
        assertThat(tampered.split("\\.")[0]).isEqualTo(viewerToken.split("\\.")[0]);
        assertThat(tampered.split("\\.")[2]).isEqualTo(viewerToken.split("\\.")[2]);
        assertThat(ForgedTokens.part(tampered, 1)).containsEntry("sub", adminClaims.get("sub"))
                .containsEntry("groups", java.util.List.of(Role.ADMIN_NAME));

        String unsigned = all.named(Callers.ALG_NONE).credential();
        assertThat(ForgedTokens.part(unsigned, 0)).containsEntry("alg", "none");
        assertThat(unsigned).endsWith(".");

        String unknownKey = all.named(Callers.UNKNOWN_KEY).credential();
        assertThat(ForgedTokens.part(unknownKey, 0)).containsEntry("kid", keys.current().kid());

        assertThat(ForgedTokens.part(all.named(Callers.WRONG_ISSUER).credential(), 1).get("iss"))
                .isNotEqualTo(SessionTokens.ISSUER);

        long now = Instant.now().getEpochSecond();
        Map<String, Object> future = ForgedTokens.part(all.named(Callers.FUTURE_IAT).credential(), 1);
        assertThat(((Number) future.get("iat")).longValue()).isGreaterThan(now + 3000);
        assertThat(((Number) future.get("exp")).longValue() - ((Number) future.get("iat")).longValue())
                .as("its lifetime alone is allowed").isEqualTo(3600);
        Map<String, Object> hundredYears = ForgedTokens.part(all.named(Callers.HUNDRED_YEARS).credential(), 1);
        assertThat(((Number) hundredYears.get("exp")).longValue() - ((Number) hundredYears.get("iat")).longValue())
                .isGreaterThan(sessions.lifetime().toSeconds() * 1000);
        Map<String, Object> noIat = ForgedTokens.part(all.named(Callers.NO_IAT).credential(), 1);
        assertThat(noIat).doesNotContainKey("iat").containsKeys("exp", "sub", "jti", Sessions.GENERATION_CLAIM);
        for (String name : java.util.List.of(Callers.FUTURE_IAT, Callers.HUNDRED_YEARS, Callers.NO_IAT)) {
            assertThat(ForgedTokens.part(all.named(name).credential(), 0)).as(name)
                    .containsEntry("kid", keys.current().kid());
        }

        // the disabled user's token is one the app itself issued, before the user was disabled
        assertThat(ForgedTokens.part(all.named(Callers.DISABLED_USER).credential(), 0))
                .containsEntry("kid", keys.current().kid());
        assertThat(all.named(Callers.REVOKED_TOKEN).credential()).startsWith(ApiTokens.PREFIX);
    }

    @Test
    void theUnflawedTokensTheForgeriesStartFromAreAccepted() {
        Caller viewer = callers().named("viewer");
        viewer.bearer(given()).get(API_ROUTE).then().statusCode(200);
        viewer.cookie(given().redirects().follow(false)).get(PAGE_ROUTE).then().statusCode(200);
        User admin = newAdmin();
        given().auth().oauth2(ForgedTokens.valid(admin, keys)).get(API_ROUTE).then().statusCode(200);
    }

    @Test
    void aTokenSignedWithThePreviousKeyIsStillAccepted() {
        byte[] previous = Base64.getDecoder().decode(TestSettings.JWT_PREVIOUS_KEY);
        String previousKid = SigningKeys.kidOf(previous);
        assertThat(previousKid).isNotEqualTo(keys.current().kid());
        String token = ForgedTokens.signedWith(newAdmin(), previousKid, new SecretKeySpec(previous, "HmacSHA256"));

        given().auth().oauth2(token).get(API_ROUTE).then().statusCode(200);
        given().redirects().follow(false).cookie(SessionTokens.SESSION_COOKIE, token).get(PAGE_ROUTE)
                .then().statusCode(200);
    }

    @Test
    void tokensTheAppIssuesCarryTheCurrentKeysKid() throws Exception {
        byte[] raw = Base64.getDecoder().decode(TestSettings.JWT_KEY);
        // the kid is a keyed function of the key (HMAC-SHA256 over a fixed label), not a hash of it
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(raw, "HmacSHA256"));
        byte[] tag = mac.doFinal("keyhouse jwt kid v1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String currentKid = java.util.HexFormat.of().formatHex(tag, 0, 4);
        byte[] sha256 = java.security.MessageDigest.getInstance("SHA-256").digest(raw);
        assertThat(currentKid).isEqualTo(SigningKeys.kidOf(raw))
                .isNotEqualTo(java.util.HexFormat.of().formatHex(sha256, 0, 4))
                .isNotEqualTo(KeyRing.hex(KeyRing.keyIdOf(raw)));
        String token = given().contentType(ContentType.JSON)
                .body("{\"email\":\"" + TestSettings.ADMIN_EMAIL + "\",\"password\":\"" + TestSettings.ADMIN_PASSWORD
                        + "\"}")
                .post("/api/v1/auth/token")
                .then().statusCode(200).extract().path("access_token");

        Map<String, Object> header = ForgedTokens.part(token, 0);
        assertThat(header).containsEntry("kid", currentKid).containsEntry("alg", "HS256");
        assertThat(keys.current().kid()).isEqualTo(currentKid);
        assertThat(ForgedTokens.part(sessions.issue(newAdmin()), 0)).containsEntry("kid", currentKid);
    }

    @Test
    void aTokenCarryingTheKidOfTheOldShaDerivationIsRefused() throws Exception {
        byte[] raw = Base64.getDecoder().decode(TestSettings.JWT_KEY);
        byte[] sha256 = java.security.MessageDigest.getInstance("SHA-256").digest(raw);
        String oldKid = java.util.HexFormat.of().formatHex(sha256, 0, 4);
        String token = ForgedTokens.signedWith(newAdmin(), oldKid, new SecretKeySpec(raw, "HmacSHA256"));

        given().auth().oauth2(token).get(API_ROUTE).then().statusCode(401);
    }

    private User newAdmin() {
        return userAdmin.add("security-test", "rotation-" + UUID.randomUUID().toString().substring(0, 8)
                + "@keyhouse.test", "security-test-password", Role.ADMIN_NAME);
    }
}
