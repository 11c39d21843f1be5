package dev.keyhouse.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Metrics;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/** keyhouse_sign_ins_total moves with each sign-in, by outcome, on /q/metrics. */
@QuarkusTest
class SignInMetricsTest {

    private static final String OK = "outcome=\"ok\"";
    private static final String FAILED = "outcome=\"failed\"";

    @Test
    void aSuccessfulSignInCountsAsOk() {
        double ok = Metrics.value("keyhouse_sign_ins_total", OK);
        double failed = Metrics.value("keyhouse_sign_ins_total", FAILED);
        ApiClient.adminToken();
        assertThat(Metrics.value("keyhouse_sign_ins_total", OK)).isEqualTo(ok + 1);
        assertThat(Metrics.value("keyhouse_sign_ins_total", FAILED)).isEqualTo(failed);
    }

    @Test
    void aWrongPasswordCountsAsFailed() {
        double ok = Metrics.value("keyhouse_sign_ins_total", OK);
        double failed = Metrics.value("keyhouse_sign_ins_total", FAILED);
        given().contentType(ContentType.JSON)
                .body("{\"email\":\"metrics-" + UUID.randomUUID() + "@keyhouse.test\",\"password\":\"not-the-password\"}")
                .post("/api/v1/auth/token").then().statusCode(401);
        assertThat(Metrics.value("keyhouse_sign_ins_total", FAILED)).isEqualTo(failed + 1);
        assertThat(Metrics.value("keyhouse_sign_ins_total", OK)).isEqualTo(ok);
    }
}
