package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/**
 * A target deleted while its run restarts and finishes it (the CI run of 2026-12-02): a restart worker or the rollout
 * gate holds the run's row and then writes the target's result, while the delete held the target's results and,
 * through the foreign key check of ON DELETE SET NULL on {@code restart_results.run_id}, waited for the run's row.
 * PostgreSQL aborted the delete as the deadlock's victim: a 500, and the target stayed (a later stt save restarted it in
 * another test class). Each round creates a command target depending on stt, saves a new stt key (its rollout restarts
 * the target at once: one wave, automatic approval in this profile) and deletes the target 0 to 63 ms later; every
 * delete answers 204 and the target is gone. Without the delete's lock order it failed 4 rounds of 40 here.
 */
@QuarkusTest
@TestProfile(Profiles.LoggedToFile.class)
class TargetDeleteDuringRestartTest {

    private static final int ROUNDS = 60;

    @Test
    void aTargetDeletedWhileItsRunRestartsItIsDeletedNeverA500() throws Exception {
        RuntimeApi api = new RuntimeApi();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Path dir = Files.createTempDirectory("keyhouse-delete-restarting");
        List<String> refused = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            String name = "delete-restarting-" + tag + "-" + round;
            long target = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                    .body(Map.of("name", name, "driver", "command", "dependsOn", List.of("stt"), "config",
                            Map.of("command", "true", "environmentFile", dir.resolve(name + ".env").toString())))
                    .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
            String etag = given().auth().oauth2(api.admin()).get("/api/v1/settings/stt").then().statusCode(200)
                    .extract().header("ETag");
            given().auth().oauth2(api.admin()).contentType(ContentType.JSON).header("If-Match", etag)
                    .body(Map.of("provider", "deepgram", "model", "nova-3", "baseUrl", "http://127.0.0.1:9",
                            "apiKey", "dg-delete-restarting-" + tag + "-" + round))
                    .put("/api/v1/settings/stt").then().statusCode(200);
            Thread.sleep((round % 10) * 7L);
            Response delete = given().auth().oauth2(api.admin()).delete("/api/v1/runtimes/" + target);
            if (delete.statusCode() != 204) {
                refused.add("round " + round + ": " + delete.statusCode() + " " + delete.asString());
                given().auth().oauth2(api.admin()).delete("/api/v1/runtimes/" + target);
            }
            given().auth().oauth2(api.admin()).get("/api/v1/runtimes/" + target).then().statusCode(404);
        }
        assertThat(refused).as("deletes not answered 204").isEmpty();
    }
}
