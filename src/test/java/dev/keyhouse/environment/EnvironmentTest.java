package dev.keyhouse.environment;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.TestSettings;
import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.EnvVar;
import dev.keyhouse.crypto.KeyRing;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class EnvironmentTest {

    @Test
    void everyCatalogVariableIsListedWithSecretsMasked() {
        List<Map<String, Object>> variables = given().auth().oauth2(ApiClient.adminToken())
                .get("/api/v1/environment").then().statusCode(200).extract().jsonPath().getList("$");
        assertThat(variables).extracting(v -> v.get("name"))
                .containsExactlyElementsOf(EnvCatalog.all().stream().map(EnvVar::name).toList());
        Map<String, Object> key = find(variables, "CREDENTIAL_ENCRYPTION_KEY");
        assertThat(key).containsEntry("secret", true).containsEntry("set", true).containsEntry("required", true)
                .containsEntry("source", "configuration").containsEntry("value", null);
        assertThat(key).as("an encryption key is named by its key id alone")
                .containsEntry("keyIds", List.of(KeyRing.hex(KeyRing.of(TestSettings.ENCRYPTION_KEY, List.of())
                        .currentKeyId()))).containsEntry("fingerprint", null);
        assertThat(find(variables, "JWT_SECRET_KEY")).as("a JWT signing key by the kid its tokens carry alone")
                .containsEntry("keyIds", List.of(dev.keyhouse.auth.SigningKeys.kidOf(java.util.Base64.getDecoder()
                        .decode(TestSettings.JWT_KEY)))).containsEntry("fingerprint", null);
        assertThat((String) find(variables, "SYSTEM_ADMIN_PASSWORD").get("fingerprint"))
                .as("other secrets by a fingerprint").matches("[0-9a-f]{8}");
        assertThat(find(variables, "SYSTEM_ADMIN_PASSWORD")).containsEntry("keyIds", null);
        assertThat(find(variables, "CREDENTIAL_ENCRYPTION_KEY_PREVIOUS")).as("unset: no key, no id")
                .containsEntry("set", false).containsEntry("keyIds", null);
        Map<String, Object> algorithm = find(variables, "JWT_ALGORITHM");
        assertThat(algorithm).containsEntry("secret", false).containsEntry("value", "HS256")
                .containsEntry("fingerprint", null);
        Map<String, Object> unset = find(variables, "CORS_LAN_IP");
        assertThat(unset).containsEntry("set", false).containsEntry("source", "unset").containsEntry("missing", false);
    }

    @Test
    void thePageShowsNamesKeyIdsAndFingerprintsButNoSecretAndViewersMayLook() {
        String html = given().auth().oauth2(ApiClient.viewerToken("env-viewer@keyhouse.test"))
                .get("/admin/environment").then().statusCode(200).extract().asString();
        assertThat(html).contains("CREDENTIAL_ENCRYPTION_KEY", "JWT_SECRET_KEY", "fingerprint", "HS256", "key id <code"
                + " class=\"key-id\">" + KeyRing.hex(KeyRing.of(TestSettings.ENCRYPTION_KEY, List.of()).currentKeyId()));
        assertThat(html).doesNotContain(TestSettings.ENCRYPTION_KEY, TestSettings.JWT_KEY,
                TestSettings.JWT_PREVIOUS_KEY, TestSettings.ADMIN_PASSWORD);
    }

    @Test
    void nothingOnItCanBeChanged() {
        String admin = ApiClient.adminToken();
        given().auth().oauth2(admin).contentType("application/json").body("{}")
                .post("/api/v1/environment").then().statusCode(405);
        given().auth().oauth2(admin).contentType("application/json").body("{}")
                .put("/api/v1/environment").then().statusCode(405);
    }

    private static Map<String, Object> find(List<Map<String, Object>> variables, String name) {
        return variables.stream().filter(v -> name.equals(v.get("name"))).findFirst().orElseThrow();
    }
}
