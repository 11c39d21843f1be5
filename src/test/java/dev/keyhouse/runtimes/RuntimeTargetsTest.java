package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Profiles;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.sealed.SecretFingerprints;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/** /api/v1/runtimes: the JSON shape, write-only secrets, and a 400 naming the field for each kind of bad input. */
@QuarkusTest
@TestProfile(Profiles.FastRestarts.class)
class RuntimeTargetsTest {

    private static final String TOKEN = "recording-token-5e8a0c3b7f21";

    @Inject
    DataSource db;
    @Inject
    SecretFingerprints fingerprints;

    private final RuntimeApi api = new RuntimeApi();

    @AfterEach
    void deleteTargets() {
        api.deleteCreated();
    }

    @Test
    void aTargetRoundTripsWithItsSecretWriteOnly() {
        String name = "shape-" + RuntimeRestartTest.unique();
        long id = api.create(Map.of("name", name, "driver", "recording", "dependsOn", List.of("llm", "tts"),
                "config", Map.of("runtimes", "2", "token", TOKEN)));

        Response read = given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id);

        read.then().statusCode(200);
        JsonPath json = read.jsonPath();
        assertThat(json.getString("name")).isEqualTo(name);
        assertThat(json.getString("driver")).isEqualTo("recording");
        assertThat(json.getList("dependsOn")).containsExactly("llm", "tts");
        assertThat(json.getBoolean("enabled")).isTrue();
        assertThat(json.getString("config.runtimes")).isEqualTo("2");
        assertThat(json.getMap("config.token")).containsEntry("configured", true)
                .containsEntry("fingerprint", fingerprints.of(TOKEN));
        assertThat(read.asString()).doesNotContain(TOKEN);
        assertThat(Rows.containing(db, TOKEN)).as("the token is sealed").isEmpty();
        assertThat(Rows.column(db, "SELECT count(*) FROM sealed_values WHERE purpose = ?",
                "runtime_target/" + id + "/token")).containsExactly("1");

        // an update without the secret keeps it; dependsOn absent keeps it too
        Response updated = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("enabled", false, "config", Map.of("runtimes", "3", "token", "")))
                .put("/api/v1/runtimes/" + id);
        updated.then().statusCode(200);
        assertThat(updated.jsonPath().getBoolean("enabled")).isFalse();
        assertThat(updated.jsonPath().getList("dependsOn")).containsExactly("llm", "tts");
        assertThat(updated.jsonPath().getString("config.token.fingerprint")).isEqualTo(fingerprints.of(TOKEN));
        assertThat(given().auth().oauth2(api.admin()).get("/api/v1/runtimes").jsonPath().getList("name"))
                .contains(name);

        given().auth().oauth2(api.admin()).delete("/api/v1/runtimes/" + id).then().statusCode(204);
        given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + id).then().statusCode(404);
        assertThat(Rows.column(db, "SELECT count(*) FROM sealed_values WHERE purpose = ?",
                "runtime_target/" + id + "/token")).as("the secret goes with the target").containsExactly("0");
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE target = ? ORDER BY id", name))
                .containsExactly("runtime.create", "runtime.update", "runtime.delete");
    }

    @Test
    void badInputIsA400NamingTheField() {
        assertField(Map.of("driver", "command", "config", Map.of("command", "true")), "name");
        assertField(Map.of("name", "has space", "driver", "command", "config", Map.of("command", "true")), "name");
        assertField(Map.of("name", "n1", "driver", "teleport", "config", Map.of()), "driver");
        assertField(Map.of("name", "n1", "config", Map.of()), "driver");
        assertField(Map.of("name", "n1", "driver", "command", "dependsOn", List.of("llm", "weather"),
                "config", Map.of("command", "true")), "dependsOn");
        assertField(Map.of("name", "n1", "driver", "command", "dependsOn", List.of(),
                "config", Map.of("command", "true")), "dependsOn");
        assertField(Map.of("name", "n1", "driver", "command", "dependsOn", "llm",
                "config", Map.of("command", "true")), "dependsOn");
        assertField(Map.of("name", "n1", "driver", "command", "config", Map.of()), "config.command");
        assertField(Map.of("name", "n1", "driver", "command",
                "config", Map.of("command", "true", "environmentFile", "keys.env")), "config.environmentFile");
        assertField(Map.of("name", "n1", "driver", "command", "config", Map.of("command", "true", "colour", "red")),
                "config.colour");
        assertField(Map.of("name", "n1", "driver", "command", "config", Map.of("command", 5)), "config.command");
        assertField(Map.of("name", "n1", "driver", "recording", "config", Map.of("runtimes", "2")), "config.token");
        assertField(Map.of("name", "n1", "driver", "recording", "config", Map.of("runtimes", "0", "token", "t")),
                "config.runtimes");
        assertField(Map.of("name", "n1", "driver", "command", "enabled", "yes", "config", Map.of("command", "true")),
                "enabled");
        String name = "taken-" + RuntimeRestartTest.unique();
        api.command(name, List.of("llm"), "true", null);
        assertField(Map.of("name", name, "driver", "command", "config", Map.of("command", "true")), "name");

        given().auth().oauth2(api.admin()).contentType(ContentType.JSON).body("{not json")
                .post("/api/v1/runtimes").then().statusCode(400);
        given().auth().oauth2(api.admin()).get("/api/v1/runtimes/not-a-number").then().statusCode(404);
        given().auth().oauth2(api.admin()).get("/api/v1/restarts/999999").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void aViewerReadsButCannotWrite() {
        String viewer = ApiClient.viewerToken("runtimes-viewer@keyhouse.test");
        given().auth().oauth2(viewer).get("/api/v1/runtimes").then().statusCode(200);
        given().auth().oauth2(viewer).contentType(ContentType.JSON)
                .body(Map.of("name", "nope", "driver", "command", "config", Map.of("command", "true")))
                .post("/api/v1/runtimes").then().statusCode(403);
    }

    private void assertField(Map<String, Object> body, String field) {
        Response response = api.post(body);
        response.then().statusCode(400).contentType("application/problem+json");
        assertThat(response.jsonPath().getList("errors.field")).as(body.toString()).contains(field);
    }
}
