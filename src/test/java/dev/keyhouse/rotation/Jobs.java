package dev.keyhouse.rotation;

import static io.restassured.RestAssured.given;

import java.time.Duration;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** The rotation API as automation drives it: start a job, follow it to its end. */
final class Jobs {

    static final String API = "/api/v1/admin/rotate-credentials";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private Jobs() {
    }

    /** A POST with no body; JSON, as RestAssured would otherwise send an empty form (which needs a CSRF token). */
    static Response start(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).post(API);
    }

    /** Starts a job, which must be accepted; returns its id. */
    static long started(String token) {
        Response response = start(token);
        response.then().statusCode(202);
        return response.jsonPath().getLong("id");
    }

    static JsonPath report(String token, long id) {
        return given().auth().oauth2(token).get(API + "/" + id).then().statusCode(200).extract().jsonPath();
    }

    /** Polls the job until it is no longer running; returns its final report. */
    static JsonPath awaitEnd(String token, long id) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath report = report(token, id);
            if (!"running".equals(report.getString("state"))) {
                return report;
            }
            sleep(100);
        }
        throw new AssertionError("rotation job " + id + " still runs after " + TIMEOUT.toSeconds() + "s");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
