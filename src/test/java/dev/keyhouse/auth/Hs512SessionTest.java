package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Profiles;
import dev.keyhouse.Profiles.OperatorSettings;
import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;

/** JWT_ALGORITHM=HS512 ({@link Profiles.OperatorSettings}): tokens are signed with it, and only it is accepted. */
@QuarkusTest
@TestProfile(OperatorSettings.class)
class Hs512SessionTest {

    @Test
    void tokensAreHs512AndOpenTheApi() {
        String token = ApiClient.adminToken();
        String header = new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]), StandardCharsets.UTF_8);
        assertThat(header).contains("\"alg\":\"HS512\"");
        given().auth().oauth2(token).get("/api/v1/users").then().statusCode(200);
    }

    @Test
    void aTokenWithAnotherAlgorithmIsRefusedEvenWithTheRightKey() {
        byte[] key = Base64.getDecoder().decode(Profiles.OperatorSettings.JWT_KEY);
        String hs256 = Jwt.issuer(SessionTokens.ISSUER).audience(SessionTokens.AUDIENCE).subject("1")
                .upn(TestSettings.ADMIN_EMAIL).groups(Role.ADMIN_NAME)
                .jws().algorithm(SignatureAlgorithm.HS256).sign(new SecretKeySpec(key, "HmacSHA256"));
        given().auth().oauth2(hs256).get("/api/v1/users").then().statusCode(401);
    }
}
