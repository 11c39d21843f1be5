package dev.keyhouse.rotation;

import static io.restassured.RestAssured.given;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

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

    /**
     * Holds a job where it is: a row lock on its {@code rotation_jobs} row, which every batch updates, so the job
     * cannot commit another batch nor finish until the hold is closed. Makes "while a job runs" deterministic.
     */
    static Hold hold(DataSource db, long id) {
        try {
            Connection connection = db.getConnection();
            connection.setAutoCommit(false);
            try (PreparedStatement lock = connection.prepareStatement("SELECT id FROM rotation_jobs WHERE id = ? FOR UPDATE")) {
                lock.setLong(1, id);
                lock.executeQuery().close();
            }
            return new Hold(connection);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Closing it lets the job go on. */
    record Hold(Connection connection) implements AutoCloseable {

        @Override
        public void close() throws SQLException {
            connection.rollback();
            connection.close();
        }
    }
}
