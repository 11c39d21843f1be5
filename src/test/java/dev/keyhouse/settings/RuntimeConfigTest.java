package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.TestSettings;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** The runtimes' endpoint: its own token, the decrypted pairs, an ETag, and an env-file variant. */
@QuarkusTest
class RuntimeConfigTest {

    private static final String KEY = "sk-runtime-config-test-4b1d9e7a0c33f2";

    @Test
    void onlyTheProvisionerTokenOpensIt() {
        given().get("/api/v1/internal/runtime-config").then().statusCode(401)
                .contentType(startsWith("application/problem+json"));
        given().auth().oauth2("not-the-token").get("/api/v1/internal/runtime-config").then().statusCode(401);
        // an admin's session is not a runtime
        given().auth().oauth2(ApiClient.adminToken()).get("/api/v1/internal/runtime-config").then().statusCode(401);
        given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).get("/api/v1/internal/runtime-config")
                .then().statusCode(200).header("Cache-Control", "no-store");
    }

    @Test
    void servesTheSavedKeyAsEnvironmentPairsWithAnETag() {
        saveLlm();
        Response json = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", "test-1")
                .get("/api/v1/internal/runtime-config");
        json.then().statusCode(200).contentType(ContentType.JSON);
        assertThat(json.jsonPath().getString("env.LLM_API_KEY")).isEqualTo(KEY);
        assertThat(json.jsonPath().getString("env.OPENAI_API_KEY")).isEqualTo(KEY);
        assertThat(json.jsonPath().getString("env.LLM_PROVIDER")).isEqualTo("openai");
        long version = json.jsonPath().getLong("version");
        assertThat(json.header("ETag")).isEqualTo("\"" + version + "\"");

        given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("If-None-Match", json.header("ETag"))
                .get("/api/v1/internal/runtime-config").then().statusCode(304);

        String lines = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).queryParam("format", "env")
                .get("/api/v1/internal/runtime-config").then().statusCode(200)
                .contentType(startsWith("text/plain")).extract().asString();
        assertThat(lines).contains("LLM_API_KEY=" + KEY + "\n", "OPENAI_API_KEY=" + KEY + "\n", "LLM_PROVIDER=openai\n");

        given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).queryParam("format", "yaml")
                .get("/api/v1/internal/runtime-config").then().statusCode(400)
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("format"));
    }

    /**
     * A runtime that means to name itself but sends a name runtime-status would refuse (too long, a tab, not ASCII)
     * is refused here too, naming the header, rather than served as unnamed (which would escape its rollout pin);
     * a blank header is the same as none (found by a breaker).
     */
    @Test
    void aMalformedRuntimeNameIsA400NamingTheHeaderAndABlankOneIsUnnamed() {
        for (String bad : new String[] {"x".repeat(201), "voice\tworker", "voice-wörker"}) {
            given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", bad)
                    .get("/api/v1/internal/runtime-config").then().statusCode(400)
                    .body("errors[0].field", org.hamcrest.Matchers.equalTo("X-Keyhouse-Runtime"));
        }
        given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", "x".repeat(200))
                .get("/api/v1/internal/runtime-config").then().statusCode(200);
        given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", "  ")
                .get("/api/v1/internal/runtime-config").then().statusCode(200);
    }

    /**
     * The base URL: a Compose service name with an underscore, typed with upper case, is served to runtimes
     * exactly in its canonical form, in both formats.
     */
    @Test
    void anUnderscoreBaseUrlIsServedInCanonicalForm() {
        String admin = ApiClient.adminToken();
        String etag = given().auth().oauth2(admin).get("/api/v1/settings/llm").then().statusCode(200)
                .extract().header("ETag");
        given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                .body("{\"provider\":\"custom\",\"model\":\"llama3.1:8b\",\"baseUrl\":\" HTTP://Local_LLM:11434/v1\","
                        + "\"apiKey\":\"" + KEY + "\"}")
                .put("/api/v1/settings/llm").then().statusCode(200);

        Response json = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).get("/api/v1/internal/runtime-config");
        json.then().statusCode(200);
        assertThat(json.jsonPath().getString("env.LLM_BASE_URL")).isEqualTo("http://local_llm:11434/v1");
        assertThat(json.jsonPath().getString("env.LLM_PROVIDER")).isEqualTo("custom");
        String lines = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).queryParam("format", "env")
                .get("/api/v1/internal/runtime-config").then().statusCode(200).extract().asString();
        assertThat(lines).contains("LLM_BASE_URL=http://local_llm:11434/v1\n");
    }

    private static void saveLlm() {
        String admin = ApiClient.adminToken();
        String etag = given().auth().oauth2(admin).get("/api/v1/settings/llm").then().statusCode(200)
                .extract().header("ETag");
        given().auth().oauth2(admin).contentType(ContentType.JSON).header("If-Match", etag)
                .body("{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"apiKey\":\"" + KEY + "\"}")
                .put("/api/v1/settings/llm").then().statusCode(200);
    }
}
