package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.keyhouse.ApiClient;
import dev.keyhouse.TestSettings;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** The runtimes API as tests drive it: targets, LLM key saves, waiting for runs. Deletes what it created. */
public final class RuntimeApi {

    private final List<Long> created = new ArrayList<>();
    private String admin;

    /** Fetched on first use: a test instance is created before the application listens. */
    String admin() {
        if (admin == null) {
            admin = ApiClient.admin();
        }
        return admin;
    }

    /** A command target; {@code environmentFile} may be null. */
    public long command(String name, List<String> dependsOn, String command, String environmentFile) {
        return command(name, dependsOn, command, environmentFile, Confirmations.AUTO);
    }

    /**
     * A command target confirmed by {@code confirmation} (auto, report, fetch, health, none): auto finds none for a
     * command that never fetched, and a runtime with confirmation none is not asked to confirm in any run.
     */
    long command(String name, List<String> dependsOn, String command, String environmentFile, String confirmation) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("command", command);
        if (environmentFile != null) {
            config.put("environmentFile", environmentFile);
        }
        return create(Map.of("name", name, "driver", "command", "dependsOn", dependsOn, "config", config,
                "confirmation", confirmation));
    }

    long create(Map<String, Object> body) {
        Response response = post(body);
        response.then().statusCode(201);
        long id = response.jsonPath().getLong("id");
        assertThat(response.header("Location")).endsWith("/api/v1/runtimes/" + id);
        created.add(id);
        return id;
    }

    Response post(Object body) {
        return given().auth().oauth2(admin()).contentType(ContentType.JSON).body(body).post("/api/v1/runtimes");
    }

    /** Saves the LLM setting with a new key; the answer of PUT /api/v1/settings/llm. */
    Response saveLlmKey(String key) {
        return saveLlm(Map.of("provider", "openai", "model", "gpt-4o-mini", "apiKey", key));
    }

    /** Saves the LLM setting as {@code body} says, over its current version; the answer of PUT /api/v1/settings/llm. */
    Response saveLlm(Map<String, Object> body) {
        String etag = given().auth().oauth2(admin()).get("/api/v1/settings/llm").then().statusCode(200)
                .extract().header("ETag");
        return given().auth().oauth2(admin()).contentType(ContentType.JSON).header("If-Match", etag)
                .body(body).put("/api/v1/settings/llm");
    }

    /** {@code GET /api/v1/settings/{kind}}: the setting as an admin reads it (secrets as summaries). */
    JsonPath setting(String kind) {
        return given().auth().oauth2(admin()).get("/api/v1/settings/" + kind).then().statusCode(200).extract()
                .jsonPath();
    }

    /** {@code GET /api/v1/runtimes/instances}: each runtime's last fetch and status report. */
    JsonPath instances() {
        return given().auth().oauth2(admin()).get("/api/v1/runtimes/instances").then().statusCode(200).extract()
                .jsonPath();
    }

    /** Saves the LLM setting as openai at {@code baseUrl} (a stand-in) with {@code key}. */
    Response saveLlm(String baseUrl, String key) {
        return saveLlm(Map.of("provider", "openai", "model", "gpt-4o-mini", "baseUrl", baseUrl, "apiKey", key));
    }

    /**
     * Saves only the LLM setting's model (no key typed: a routing-only save, rolled out all the same); the answer of
     * PUT /api/v1/settings/llm.
     */
    Response saveLlmModel(String model) {
        JsonPath current = setting("llm");
        String etag = given().auth().oauth2(admin()).get("/api/v1/settings/llm").then().statusCode(200)
                .extract().header("ETag");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("provider", current.getString("provider"));
        body.put("model", model);
        if (current.getString("baseUrl") != null) {
            body.put("baseUrl", current.getString("baseUrl"));
        }
        return given().auth().oauth2(admin()).contentType(ContentType.JSON).header("If-Match", etag).body(body)
                .put("/api/v1/settings/llm");
    }

    /** Polls the run until the JSON path {@code path} reads {@code value}. */
    void awaitRunState(long id, String path, String value) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (value.equals(String.valueOf((Object) run(id).get(path)))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("restart run " + id + ": " + path + " never read " + value + ": " + run(id).prettify());
    }

    /** The LLM setting's current version. */
    long llmVersion() {
        return given().auth().oauth2(admin()).get("/api/v1/settings/llm").then().statusCode(200).extract().jsonPath()
                .getLong("version");
    }

    JsonPath run(long id) {
        return given().auth().oauth2(admin()).get("/api/v1/restarts/" + id).then().statusCode(200).extract().jsonPath();
    }

    /** Polls the run until its outcome is {@code outcome}; fails when it finishes first or {@code timeout} passes. */
    JsonPath awaitOutcome(long runId, String outcome, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonPath run = run(runId);
        while (!outcome.equals(run.getString("outcome")) && System.nanoTime() < deadline) {
            assertThat(run.getBoolean("finished")).as("finished before reaching %s: %s", outcome, run.prettify())
                    .isFalse();
            Thread.sleep(100);
            run = run(runId);
        }
        assertThat(run.getString("outcome")).as(run.prettify()).isEqualTo(outcome);
        return run;
    }

    /** Polls the run until it is finished. */
    JsonPath awaitRun(long id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath run = run(id);
            if (run.getBoolean("finished")) {
                return run;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("restart run " + id + " did not finish in " + timeout + ": " + run(id).prettify());
    }

    Response fetchRuntimeConfig(String runtime) {
        return given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", runtime)
                .get("/api/v1/internal/runtime-config");
    }

    /** Deletes every target this client created, so saves in other tests restart nothing. */
    public void deleteCreated() {
        for (long id : created) {
            given().auth().oauth2(admin()).delete("/api/v1/runtimes/" + id);
        }
        created.clear();
    }

    /** Deletes the shared secret {@code id} over its current ETag; nothing when {@code id} is null. */
    void deleteSharedSecret(Long id) {
        if (id != null) {
            String path = "/api/v1/shared-secrets/" + id;
            String etag = given().auth().oauth2(admin()).get(path).header("ETag");
            given().auth().oauth2(admin()).header("If-Match", etag).delete(path).then().statusCode(204);
        }
    }

    /** Deletes {@code dir} and everything in it (an environment file holds secrets); nothing when it is null. */
    public static void deleteTree(java.nio.file.Path dir) throws java.io.IOException {
        if (dir != null) {
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dir)) {
                for (java.nio.file.Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(file);
                }
            }
        }
    }
}
