package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.assertj.core.api.SoftAssertions;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.keyhouse.Profiles;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.LogCapture;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * A runtime's failure text is masked against every secret Keyhouse holds, not only the ones that runtime receives:
 * a webhook target whose URL answers 503 with an HTML page echoing the runtime-config token, the JWT key, the
 * encryption key, the bootstrap admin password, a shared secret the target does not receive and an earlier LLM key
 * version shows none of them in the stored error, the REST answer, the run page, the runtimes list, the target's
 * page (a viewer's) or the log, and shows {@code [masked]} instead to an admin (the answer is the runtime's own text:
 * a viewer reads the reason only, the log neither, {@link RuntimeOutput}). The server is on loopback.
 */
@QuarkusTest
@TestProfile(Profiles.FastRestarts.class)
class HeldSecretsMaskTest {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(40);
    private final RuntimeApi api = new RuntimeApi();
    private HttpServer busy;
    private volatile String planted = "";
    private Long sharedSecret;

    @BeforeEach
    void server() throws IOException {
        busy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        busy.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("<html><head><title>503</title></head><body><h1>Service Unavailable</h1><p>debug dump "
                    + planted + " end</p></body></html>").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html");
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        busy.start();
    }

    @AfterEach
    void stop() {
        busy.stop(0);
        api.deleteCreated();
        api.deleteSharedSecret(sharedSecret);
    }

    @Test
    void aWebhooksFailureTextShowsNoSecretKeyhouseHolds() throws Exception {
        String tag = RuntimeRestartTest.unique();
        Map<String, String> held = new LinkedHashMap<>();
        for (String property : new String[] {"keyhouse.runtime-config.token", "keyhouse.jwt.key", "keyhouse.crypto.key",
                "keyhouse.admin.password"}) {
            String value = ConfigProvider.getConfig().getOptionalValue(property, String.class).orElseThrow(
                    () -> new AssertionError(property + " is not set in the test profile"));
            held.put(property, value.split(",")[0].strip());
        }
        String shared = "shared-held-" + tag + "-7f3a9c1e5d";
        sharedSecret = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "held-" + tag, "variable", "HELD_" + tag.toUpperCase(), "value", shared))
                .post("/api/v1/shared-secrets").then().statusCode(201).extract().jsonPath().getLong("id");
        held.put("a shared secret", shared);
        String earlierKey = "sk-held-earlier-" + tag + "-4b8e2d";
        api.saveLlmKey(earlierKey).then().statusCode(200);
        api.saveLlmKey("sk-held-current-" + tag + "-9c1f7a").then().statusCode(200);
        held.put("an earlier LLM key version", earlierKey);

        long target = api.create(Map.of("name", "held-" + tag, "driver", "http", "config",
                Map.of("url", "http://127.0.0.1:" + busy.getAddress().getPort() + "/hook",
                        "secret", "webhook-held-" + tag + "-0123456789")));
        String viewer = Browser.uniqueEmail("held-viewer");
        Browser.newUser(viewer, "viewer");
        String session = Browser.session(viewer, Browser.PASSWORD);
        // soft: a leak of each kind is reported, not only the first
        SoftAssertions softly = new SoftAssertions();
        try (LogCapture log = LogCapture.installFirst()) {
            for (Map.Entry<String, String> secret : held.entrySet()) {
                planted = secret.getValue();
                long runId = given().auth().oauth2(api.admin()).contentType(ContentType.JSON)
                        .post("/api/v1/runtimes/" + target + "/restart")
                        .then().statusCode(202).extract().jsonPath().getLong("id");
                api.awaitRun(runId, RUN_TIMEOUT);
                // the answer is the runtime's own text: an admin reads it, masked (RuntimeOutput)
                String error = given().auth().oauth2(api.admin()).get("/api/v1/restarts/" + runId)
                        .then().statusCode(200).extract().jsonPath().getString("results[0].error");
                softly.assertThat(error).as(secret.getKey()).startsWith("refused by the runtime (HTTP 503)")
                        .contains("debug dump " + SecretMask.MASK + " end").doesNotContain(secret.getValue());
                String viewed = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/api/v1/restarts/" + runId)
                        .then().statusCode(200).extract().jsonPath().getString("results[0].error");
                softly.assertThat(viewed).as(secret.getKey() + ", a viewer's").startsWith("refused by the runtime"
                        + " (HTTP 503)").endsWith(RuntimeOutput.NOT_SHOWN).doesNotContain(secret.getValue(), "debug");
                for (String page : new String[] {"/admin/restarts/" + runId, "/admin/runtimes",
                        "/admin/runtimes/" + target}) {
                    String html = given().cookie(SessionTokens.SESSION_COOKIE, session).get(page).then()
                            .statusCode(200).extract().asString();
                    softly.assertThat(html).as(secret.getKey() + " on " + page).doesNotContain(secret.getValue());
                }
                softly.assertThat(given().auth().oauth2(api.admin()).get("/admin/restarts/" + runId)
                        .then().extract().asString()).contains(SecretMask.MASK).doesNotContain(secret.getValue());
            }
            for (Map.Entry<String, String> secret : held.entrySet()) {
                softly.assertThat(log.text()).as(secret.getKey() + " in the log").doesNotContain(secret.getValue());
            }
            softly.assertThat(log.text()).as("the answer is not logged at all").contains("held-" + tag)
                    .doesNotContain("debug dump");
        }
        softly.assertAll();
    }
}
