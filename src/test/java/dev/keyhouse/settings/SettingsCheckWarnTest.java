package dev.keyhouse.settings;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.Profiles;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn.Scenario;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * {@code PROVIDER_CHECK_MODE=warn}: every result saves, with a warning when it is not ok. And the checks hold no
 * database connection while a provider is slow: on a pool of {@link Profiles.DebugLog#POOL} connections, five
 * times as many checks wait on a slow provider while the settings still answer at once; past the check pool's
 * bound, a check is refused with 503 and Retry-After.
 */
@QuarkusTest
@TestProfile(Profiles.DebugLog.class)
class SettingsCheckWarnTest {

    static final OpenAiStandIn OPENAI = new OpenAiStandIn();

    @TestHTTPResource("/")
    URL base;

    @AfterAll
    static void stop() {
        OPENAI.close();
    }

    @Test
    void maskedFormsOfOtherScreensAreRefusedInWarnModeToo() {
        // a tester saved these in warn and off modes, where no check would have caught them
        MaskedSecretTest.otherScreensFormsAreRefused("llm", SettingsCheckTest.llm(OPENAI.key(Scenario.GOOD), OPENAI),
                "apiKey", OPENAI);
    }

    @Test
    void warnSavesABlockingResultWithAWarning() {
        for (Scenario scenario : List.of(Scenario.INVALID, Scenario.NO_CREDIT)) {
            long version = Clients.version("llm");
            String key = OPENAI.key(scenario);
            Response saved = Clients.put("llm", version, SettingsCheckTest.llm(key, OPENAI));

            saved.then().statusCode(200);
            String result = scenario == Scenario.INVALID ? "invalid_key" : "no_credit";
            assertThat(saved.jsonPath().getString("check.result")).isEqualTo(result);
            assertThat(saved.jsonPath().getList("warnings", String.class)).singleElement().asString()
                    .contains("the key check found " + result).contains("saved anyway");
            assertThat(Clients.version("llm")).isEqualTo(version + 1);
            assertThat(saved.asString()).doesNotContain(key);
        }
        Response good = Clients.put("llm", Clients.version("llm"),
                SettingsCheckTest.llm(OPENAI.key(Scenario.GOOD), OPENAI));
        assertThat(good.jsonPath().getString("check.result")).isEqualTo("ok");
        assertThat(good.jsonPath().getList("warnings")).isEmpty();
    }

    @Test
    void checksWaitingOnASlowProviderHoldNoConnectionAndTheRestAreRefusedWith503() throws Exception {
        int waiting = 5 * Profiles.DebugLog.POOL; // what the check pool takes: 4 running, 16 queued
        int extra = 10;
        try (OpenAiStandIn slow = new OpenAiStandIn()) {
            String body = new ObjectMapper().writeValueAsString(
                    SettingsCheckTest.llm(slow.key(Scenario.SLOW), slow));
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest check = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "")
                    + "/api/v1/settings/llm/check")).header("Authorization", "Bearer " + Clients.admin())
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(120))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < waiting + extra; i++) {
                calls.add(client.sendAsync(check, HttpResponse.BodyHandlers.ofString()));
            }
            // four checks reach the provider and hang there, sixteen wait for a slot, the rest are refused at once
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            while ((slow.received().size() < 4 || calls.stream().filter(CompletableFuture::isDone).count() < extra)
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(slow.received()).hasSize(4);
            List<HttpResponse<String>> refused = calls.stream().filter(CompletableFuture::isDone)
                    .map(CompletableFuture::join).toList();
            assertThat(refused).hasSize(extra).allSatisfy(answer -> {
                assertThat(answer.statusCode()).isEqualTo(503);
                assertThat(answer.headers().firstValue("Retry-After")).hasValue("5");
                assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
                        type -> assertThat(type).startsWith("application/problem+json"));
                assertThat(answer.body()).contains("provider checks are busy");
            });
            List<CompletableFuture<HttpResponse<String>>> pending = calls.stream()
                    .filter(call -> !call.isDone()).toList();
            assertThat(pending).as("the checks still waiting on the provider").hasSize(waiting);

            // a save that needs a check is refused the same way, and saves nothing
            long version = Clients.version("llm");
            Response busy = Clients.put("llm", version, SettingsCheckTest.llm(OPENAI.key(Scenario.GOOD), OPENAI));
            busy.then().statusCode(503).header("Retry-After", "5").contentType("application/problem+json");
            assertThat(Clients.version("llm")).isEqualTo(version);

            // 20 requests wait on the provider, 5 times the pool: reads still get a connection at once
            for (int i = 0; i < 3; i++) {
                long started = System.nanoTime();
                given().auth().oauth2(Clients.admin()).get("/api/v1/settings").then().statusCode(200);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(2000);
            }
            assertThat(pending).noneMatch(CompletableFuture::isDone);

            slow.close(); // the provider hangs up: every waiting check ends, unreachable
            for (CompletableFuture<HttpResponse<String>> call : pending) {
                HttpResponse<String> answer = call.get(60, TimeUnit.SECONDS);
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(answer.body()).contains("\"result\":\"unreachable\"");
            }
        }
    }
}
