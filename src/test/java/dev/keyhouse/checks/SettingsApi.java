package dev.keyhouse.checks;

import static io.restassured.RestAssured.given;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.keyhouse.ApiClient;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.persistence.EntityManager;

/** The settings API and a few counts, as the check tests need them. */
final class SettingsApi {

    private SettingsApi() {
    }

    /** Saves the llm setting as an admin would over REST: openai at {@code baseUrl} with {@code key}. */
    static void saveLlm(String baseUrl, String key) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("provider", "openai");
        body.put("model", "gpt-4o-mini");
        body.put("baseUrl", baseUrl);
        body.put("apiKey", key);
        given().auth().oauth2(ApiClient.admin()).contentType(ContentType.JSON)
                .header("If-Match", "\"" + version("llm") + "\"").body(body)
                .put("/api/v1/settings/llm").then().statusCode(200);
    }

    /** The current version of a kind, from its ETag. */
    static long version(String kind) {
        String etag = given().auth().oauth2(ApiClient.admin()).get("/api/v1/settings/" + kind)
                .then().statusCode(200).extract().header("ETag");
        return Long.parseLong(etag.replace("\"", ""));
    }

    /** {@code GET /api/v1/settings/{kind}}. */
    static JsonPath setting(String kind) {
        return given().auth().oauth2(ApiClient.admin()).get("/api/v1/settings/" + kind)
                .then().statusCode(200).extract().jsonPath();
    }

    /** A page as an admin sees it. */
    static String page(String path) {
        return given().auth().oauth2(ApiClient.admin()).get(path).then().statusCode(200).extract().asString();
    }

    /** The number of rows {@code sql} (a {@code SELECT count(*)}) counts. */
    static long count(EntityManager em, String sql, Object... parameters) {
        return QuarkusTransaction.requiringNew().call(() -> {
            var query = em.createNativeQuery(sql);
            for (int i = 0; i < parameters.length; i++) {
                query.setParameter(i + 1, parameters[i]);
            }
            return ((Number) query.getSingleResult()).longValue();
        });
    }
}
