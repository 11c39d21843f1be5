package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Metrics;
import dev.keyhouse.Profiles;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.sealed.SecretFingerprints;
import dev.keyhouse.settings.ProviderKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * Background checks of the stored llm key against {@link OpenAiStandIn} (loopback, listed in the tests'
 * EGRESS_ALLOWED_HOSTS), run by calling {@link BackgroundChecks} as the poll would: the result is kept per kind and
 * shown on the cards and over REST, a change of result is audited once, the metrics count, nothing restarts and no
 * setting changes, two replicas check a kind once, and a changed key is not checked yet and due at once. The
 * stand-in echoes every key it is sent, so nothing here may carry one.
 */
@QuarkusTest
@TestProfile(Profiles.ChecksCalledByTests.class)
class BackgroundChecksTest {

    private static final OpenAiStandIn OPENAI = (OpenAiStandIn) new OpenAiStandIn().echoKeys();

    @Inject
    BackgroundChecks background;

    @Inject
    LastChecks lastChecks;

    @Inject
    SecretFingerprints fingerprints;

    @Inject
    EntityManager em;

    @AfterAll
    static void stop() {
        OPENAI.close();
    }

    @BeforeEach
    void clear() {
        OPENAI.clearReceived();
    }

    /** Saves a new llm key at the stand-in and checks it once, as a background run does. */
    private String storedAndChecked(Scenario scenario) {
        String key = OPENAI.key(scenario);
        SettingsApi.saveLlm(OPENAI.baseUrl(), key);
        assertThat(background.check(ProviderKind.LLM)).as("a new key is due at once").isPresent();
        return key;
    }

    /** The kind is due again now, as when its interval has passed. */
    private Optional<CheckOutcome> checkAgain() {
        lastChecks.release(ProviderKind.LLM);
        return background.check(ProviderKind.LLM);
    }

    private long changeEvents() {
        return SettingsApi.count(em, "SELECT count(*) FROM audit_events WHERE action = ?1 AND kind = 'llm'",
                LastChecks.CHANGED);
    }

    @Test
    void aBackgroundRunRecordsTheResultAndTheCardShowsIt() {
        String key = OPENAI.key(Scenario.GOOD);
        SettingsApi.saveLlm(OPENAI.baseUrl(), key);
        Instant before = Instant.now();

        List<CheckOutcome> outcomes = background.runDue();

        assertThat(outcomes).filteredOn(o -> o.kind().equals("llm")).singleElement().satisfies(o -> {
            assertThat(o.result()).isEqualTo(CheckResult.OK);
            assertThat(o.negativeControl()).isEqualTo(NegativeControl.REJECTED);
        });
        assertThat(OPENAI.received()).as("the key, then a decoy").hasSize(2);
        assertThat(OPENAI.received().get(0).header("Authorization")).isEqualTo("Bearer " + key);

        JsonPath setting = SettingsApi.setting("llm");
        assertThat(setting.getString("lastCheck.result")).isEqualTo("ok");
        assertThat(setting.getInt("lastCheck.status")).isEqualTo(200);
        assertThat(setting.getString("lastCheck.code")).isNull();
        assertThat(setting.getString("lastCheck.negativeControl")).isEqualTo("rejected");
        assertThat(setting.getLong("lastCheck.durationMs")).isBetween(0L, 10_000L);
        Instant checkedAt = Instant.parse(setting.getString("lastCheck.checkedAt"));
        assertThat(checkedAt).isBetween(before.minusSeconds(1), Instant.now());
        assertThat(setting.getString("lastCheck.since")).as("the first check of this key with this result")
                .isEqualTo(setting.getString("lastCheck.checkedAt"));

        String overview = SettingsApi.page("/admin/settings");
        String llmCard = overview.substring(overview.indexOf("id=\"setting-llm\""),
                overview.indexOf("</section>", overview.indexOf("id=\"setting-llm\"")));
        assertThat(llmCard).contains("<span class=\"check check-ok\">checked <time datetime=\"" + checkedAt
                + "\" title=\"" + dev.keyhouse.web.TemplateExtensions.utc(checkedAt) + "\">").containsPattern("\">(just now|\\d+ s ago)</time>: ok</span>");
        assertThat(SettingsApi.page("/admin/settings/llm")).contains("Stored key: <span class=\"check check-ok\">");
        assertThat(overview + setting.prettify()).doesNotContain(key).doesNotContain(key.substring(8));
    }

    @Test
    void theSameKeySwitchingToNoCreditIsAuditedOnceOnTheChangeAndNotWhileItStays() {
        String key = storedAndChecked(Scenario.GOOD);
        String fingerprint = fingerprints.of(key);
        long events = changeEvents();

        OPENAI.key(key, Scenario.NO_CREDIT);
        CheckOutcome noCredit = checkAgain().orElseThrow();
        assertThat(noCredit.result()).isEqualTo(CheckResult.NO_CREDIT);
        assertThat(changeEvents()).isEqualTo(events + 1);
        Object[] event = QuarkusTransaction.requiringNew().call(() -> (Object[]) em.createNativeQuery(
                "SELECT actor, target, detail, old_fingerprint, new_fingerprint FROM audit_events WHERE action = ?1"
                        + " AND kind = 'llm' ORDER BY id DESC LIMIT 1").setParameter(1, LastChecks.CHANGED)
                .getSingleResult());
        assertThat(event).containsExactly("system", "llm openai", "ok → no_credit (HTTP 429, insufficient_quota)",
                fingerprint, fingerprint);

        CheckOutcome stillNoCredit = checkAgain().orElseThrow();
        assertThat(stillNoCredit.result()).isEqualTo(CheckResult.NO_CREDIT);
        assertThat(stillNoCredit.checkedAt()).isAfter(noCredit.checkedAt());
        assertThat(changeEvents()).as("no event while the result stays").isEqualTo(events + 1);

        JsonPath setting = SettingsApi.setting("llm");
        assertThat(setting.getString("lastCheck.result")).isEqualTo("no_credit");
        assertThat(setting.getInt("lastCheck.status")).isEqualTo(429);
        assertThat(setting.getString("lastCheck.code")).isEqualTo("insufficient_quota");
        // PostgreSQL keeps microseconds
        Instant began = noCredit.checkedAt().truncatedTo(ChronoUnit.MICROS);
        assertThat(Instant.parse(setting.getString("lastCheck.checkedAt")))
                .isEqualTo(stillNoCredit.checkedAt().truncatedTo(ChronoUnit.MICROS));
        assertThat(Instant.parse(setting.getString("lastCheck.since"))).as("when no credit began").isEqualTo(began);
        String since = CheckCard.clock(began, Instant.now());
        assertThat(SettingsApi.page("/admin/settings")).contains("<span class=\"check check-blocking\">no credit since"
                + " <time datetime=\"" + began + "\" title=\"" + dev.keyhouse.web.TemplateExtensions.utc(began) + "\">" + since
                + "</time></span>").contains("; HTTP 429, insufficient_quota)").doesNotContain(key);

        OPENAI.key(key, Scenario.GOOD);
        assertThat(checkAgain().orElseThrow().result()).isEqualTo(CheckResult.OK);
        assertThat(changeEvents()).as("back to ok is a change too").isEqualTo(events + 2);
        String details = QuarkusTransaction.requiringNew().call(() -> String.join("\n", em.createNativeQuery(
                "SELECT coalesce(detail, '') || ' ' || target FROM audit_events WHERE action = ?1")
                .setParameter(1, LastChecks.CHANGED).getResultList()));
        assertThat(details).doesNotContain(key).doesNotContain(key.substring(8)).doesNotContain("echo");
    }

    @Test
    void everyCheckIsCountedAndTheGaugeShowsTheLastResult() {
        String ok = "kind=\"llm\",provider=\"openai\",result=\"ok\"";
        String noCredit = "kind=\"llm\",provider=\"openai\",result=\"no_credit\"";
        double oks = Metrics.value("keyhouse_provider_check_total", ok);
        double noCredits = Metrics.value("keyhouse_provider_check_total", noCredit);

        String key = storedAndChecked(Scenario.GOOD);
        assertThat(Metrics.value("keyhouse_provider_check_total", ok)).isEqualTo(oks + 1);
        assertThat(Metrics.value("keyhouse_provider_check_last", ok)).isEqualTo(1);
        assertThat(Metrics.value("keyhouse_provider_check_last", noCredit)).isEqualTo(0);

        OPENAI.key(key, Scenario.NO_CREDIT);
        checkAgain().orElseThrow();
        checkAgain().orElseThrow();
        assertThat(Metrics.value("keyhouse_provider_check_total", noCredit)).isEqualTo(noCredits + 2);
        assertThat(Metrics.value("keyhouse_provider_check_total", ok)).isEqualTo(oks + 1);
        assertThat(Metrics.value("keyhouse_provider_check_last", ok)).isEqualTo(0);
        assertThat(Metrics.value("keyhouse_provider_check_last", noCredit)).isEqualTo(1);
        assertThat(Metrics.value("keyhouse_provider_check_last",
                "kind=\"llm\",provider=\"openai\",result=\"invalid_key\"")).as("every result has a series")
                .isEqualTo(0);
        assertThat(Metrics.value("keyhouse_provider_check_last_timestamp_seconds",
                "kind=\"llm\",provider=\"openai\"")).isCloseTo(Instant.now().getEpochSecond(),
                        org.assertj.core.data.Offset.offset(30.0));
    }

    @Test
    void aBackgroundCheckRestartsNothingAndChangesNoSetting() {
        String key = storedAndChecked(Scenario.GOOD);
        long version = SettingsApi.version("llm");
        long runs = SettingsApi.count(em, "SELECT count(*) FROM restart_runs");
        long results = SettingsApi.count(em, "SELECT count(*) FROM restart_results");
        long versions = SettingsApi.count(em, "SELECT count(*) FROM provider_setting_versions");
        long sealed = SettingsApi.count(em, "SELECT count(*) FROM sealed_values");
        long saves = SettingsApi.count(em, "SELECT count(*) FROM audit_events WHERE action LIKE 'setting.%'"
                + " AND action <> ?1", LastChecks.CHANGED);

        checkAgain().orElseThrow();
        OPENAI.key(key, Scenario.INVALID);
        assertThat(checkAgain().orElseThrow().result()).isEqualTo(CheckResult.INVALID_KEY);

        assertThat(SettingsApi.version("llm")).isEqualTo(version);
        assertThat(SettingsApi.count(em, "SELECT count(*) FROM restart_runs")).isEqualTo(runs);
        assertThat(SettingsApi.count(em, "SELECT count(*) FROM restart_results")).isEqualTo(results);
        assertThat(SettingsApi.count(em, "SELECT count(*) FROM provider_setting_versions")).isEqualTo(versions);
        assertThat(SettingsApi.count(em, "SELECT count(*) FROM sealed_values")).isEqualTo(sealed);
        assertThat(SettingsApi.count(em, "SELECT count(*) FROM audit_events WHERE action LIKE 'setting.%'"
                + " AND action <> ?1", LastChecks.CHANGED)).isEqualTo(saves);
    }

    @Test
    void twoReplicasCheckingAtOnceCheckAKindOnce() throws Exception {
        storedAndChecked(Scenario.GOOD);
        ExecutorService replicas = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                lastChecks.release(ProviderKind.LLM);
                OPENAI.clearReceived();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Optional<CheckOutcome>>> runs = new ArrayList<>();
                for (int replica = 0; replica < 2; replica++) {
                    runs.add(replicas.submit(() -> {
                        go.await();
                        return background.check(ProviderKind.LLM);
                    }));
                }
                go.countDown();
                int checked = 0;
                for (Future<Optional<CheckOutcome>> run : runs) {
                    checked += run.get(30, TimeUnit.SECONDS).isPresent() ? 1 : 0;
                }
                assertThat(checked).as("round %d: one replica claimed the kind", round).isEqualTo(1);
                assertThat(OPENAI.received()).as("round %d: one check (the key and a decoy)", round).hasSize(2);
            }
        } finally {
            replicas.shutdownNow();
        }
        OPENAI.clearReceived();
        assertThat(background.check(ProviderKind.LLM)).as("checked: not due again within the interval").isEmpty();
        assertThat(background.runDue()).noneMatch(o -> o.kind().equals("llm"));
        assertThat(OPENAI.received()).isEmpty();
    }

    @Test
    void aCheckRunsWithNoTransactionOpenAndAnOlderOutcomeNeverReplacesANewerOne() {
        String key = storedAndChecked(Scenario.GOOD);
        lastChecks.release(ProviderKind.LLM);
        OPENAI.clearReceived();
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> background.check(ProviderKind.LLM)))
                .as("a caller holding a transaction (and its connection) may not wait for a provider")
                .isInstanceOf(jakarta.transaction.TransactionalException.class);
        assertThat(OPENAI.received()).isEmpty();

        CheckOutcome newer = background.check(ProviderKind.LLM).orElseThrow();
        CheckOutcome older = new CheckOutcome("llm", "openai", CheckResult.INVALID_KEY, 401, "invalid_api_key",
                newer.checkedAt().minusSeconds(5), 12, NegativeControl.REJECTED);
        long events = changeEvents();
        lastChecks.record(ProviderKind.LLM, "openai", fingerprints.of(key), older);
        assertThat(SettingsApi.setting("llm").getString("lastCheck.result")).isEqualTo("ok");
        assertThat(changeEvents()).isEqualTo(events);
    }

    @Test
    void aChangedKeyIsNotCheckedYetAndDueAtOnce() {
        storedAndChecked(Scenario.GOOD);
        assertThat(SettingsApi.setting("llm").getString("lastCheck.result")).isEqualTo("ok");

        String next = OPENAI.key(Scenario.NO_CREDIT);
        SettingsApi.saveLlm(OPENAI.baseUrl(), next);
        assertThat(SettingsApi.setting("llm").getMap("$")).containsEntry("lastCheck", null);
        String overview = SettingsApi.page("/admin/settings");
        String llmCard = overview.substring(overview.indexOf("id=\"setting-llm\""),
                overview.indexOf("</section>", overview.indexOf("id=\"setting-llm\"")));
        assertThat(llmCard).contains("not checked yet").doesNotContain("check-ok");
        assertThat(SettingsApi.page("/admin/settings/llm")).contains("Stored key: <span class=\"check check-none");

        OPENAI.clearReceived();
        CheckOutcome outcome = background.check(ProviderKind.LLM).orElseThrow(
                () -> new AssertionError("a changed key is due at once, whatever the interval"));
        assertThat(outcome.result()).isEqualTo(CheckResult.NO_CREDIT);
        assertThat(OPENAI.received().get(0).header("Authorization")).isEqualTo("Bearer " + next);
        assertThat(SettingsApi.setting("llm").getString("lastCheck.result")).isEqualTo("no_credit");
    }

    /**
     * Issue 19 (h19m): every check of a key joins the key's history, bounded: background checks of one key keep its
     * newest {@value LastChecks#KEPT_PER_KEY} rows only. {@code lastCheck} is the newest, and its {@code since} still
     * the key's first check of the same result, although that check's row was pruned.
     */
    @Test
    void aKeysCheckHistoryKeepsItsNewestChecksOnly() {
        String key = storedAndChecked(Scenario.GOOD);
        String fingerprint = fingerprints.of(key);
        Instant first = Instant.parse(SettingsApi.setting("llm").getString("lastCheck.checkedAt"));
        for (int i = 0; i < LastChecks.KEPT_PER_KEY + 2; i++) {
            assertThat(checkAgain()).as("background check " + (i + 2)).isPresent();
        }
        String history = "SELECT count(*) FROM provider_check_history WHERE kind = 'llm' AND fingerprint = ?1";
        assertThat(SettingsApi.count(em, history, fingerprint)).isEqualTo(LastChecks.KEPT_PER_KEY);
        assertThat(SettingsApi.count(em, history + " AND checked_at <= ?2", fingerprint,
                java.sql.Timestamp.from(first))).as("the oldest checks were pruned").isZero();
        JsonPath setting = SettingsApi.setting("llm");
        assertThat(SettingsApi.count(em, history + " AND checked_at > ?2", fingerprint,
                java.sql.Timestamp.from(Instant.parse(setting.getString("lastCheck.checkedAt")))))
                .as("lastCheck is the newest check").isZero();
        assertThat(Instant.parse(setting.getString("lastCheck.since"))).as("ok since the key's first check")
                .isEqualTo(first);
    }

    /**
     * Issue 19 (h19m): a check of a fallback deleted while it ran still joins its key's history (the key may come
     * back, re-created by a restored configuration), with its start and measured duration.
     */
    @Test
    void aCheckOfAnEntryDeletedMeanwhileJoinsItsKeysHistory() {
        String fingerprint = "gone-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Instant started = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try {
            lastChecks.recordEntry(ProviderKind.LLM, Long.MAX_VALUE, "deepseek", fingerprint, new CheckOutcome("llm",
                    "deepseek", CheckResult.OK, 200, null, started, 37, NegativeControl.REJECTED));
            assertThat(lastChecks.ofKey(ProviderKind.LLM, "deepseek", fingerprint)).get().satisfies(check -> {
                assertThat(check.checkedAt()).isEqualTo(started);
                assertThat(check.durationMs()).isEqualTo(37);
                assertThat(check.since()).isEqualTo(started);
            });
        } finally {
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                    "DELETE FROM provider_check_history WHERE fingerprint = ?1").setParameter(1, fingerprint)
                    .executeUpdate());
        }
    }

    /**
     * Issue 19: background checks cover each enabled fallback on the kind's interval and record its result as that
     * entry's: a fallback added unchecked (mode off here) is due at once, its revoked key is found invalid_key and
     * its {@code lastCheck} says so, it is not due again before the interval, and a disabled fallback is not checked.
     */
    @Test
    void enabledFallbacksAreCheckedOnTheSameIntervalAndKeepTheirOwnResult() {
        String providers = "/api/v1/settings/llm/providers";
        try (DeepSeekStandIn deepseek = new DeepSeekStandIn()) {
            storedAndChecked(Scenario.GOOD);
            String revoked = deepseek.key(Scenario.REVOKED);
            io.restassured.response.Response added = io.restassured.RestAssured.given()
                    .auth().oauth2(dev.keyhouse.ApiClient.admin()).contentType(io.restassured.http.ContentType.JSON)
                    .body(java.util.Map.of("provider", "deepseek", "model", "deepseek-chat", "baseUrl",
                            deepseek.baseUrl(), "apiKey", revoked))
                    .post(providers);
            assertThat(added.statusCode()).as(added.asString()).isEqualTo(201);
            long id = added.jsonPath().getLong("id");
            try {
                assertThat((Object) added.jsonPath().get("lastCheck")).as("no check on save in mode off").isNull();

                List<CheckOutcome> outcomes = background.runDue();
                assertThat(outcomes).filteredOn(o -> o.provider().equals("deepseek")).singleElement()
                        .satisfies(o -> assertThat(o.result()).isEqualTo(CheckResult.INVALID_KEY));
                assertThat(deepseek.received()).isNotEmpty();
                assertThat(deepseek.received().get(0).header("Authorization")).isEqualTo("Bearer " + revoked);
                JsonPath entry = io.restassured.RestAssured.given().auth().oauth2(dev.keyhouse.ApiClient.admin())
                        .get(providers + "/" + id).then().statusCode(200).extract().jsonPath();
                assertThat(entry.getString("lastCheck.result")).isEqualTo("invalid_key");
                assertThat(entry.getInt("lastCheck.status")).isEqualTo(401);
                assertThat(SettingsApi.setting("llm").getString("lastCheck.result")).as("the primary's own")
                        .isEqualTo("ok");

                deepseek.clearReceived();
                assertThat(background.checkFallbacks(ProviderKind.LLM)).as("not due before the interval").isEmpty();
                io.restassured.RestAssured.given().auth().oauth2(dev.keyhouse.ApiClient.admin())
                        .contentType(io.restassured.http.ContentType.JSON).header("If-Match", "\"1\"")
                        .body(java.util.Map.of("enabled", false)).put(providers + "/" + id).then().statusCode(200);
                lastChecks.releaseEntry(ProviderKind.LLM, id);
                assertThat(background.checkFallbacks(ProviderKind.LLM)).as("a disabled fallback").isEmpty();
                assertThat(deepseek.received()).isEmpty();
            } finally {
                io.restassured.RestAssured.given().auth().oauth2(dev.keyhouse.ApiClient.admin())
                        .header("If-Match", "\"" + io.restassured.RestAssured.given()
                                .auth().oauth2(dev.keyhouse.ApiClient.admin()).get(providers + "/" + id)
                                .jsonPath().getLong("version") + "\"")
                        .delete(providers + "/" + id).then().statusCode(200);
            }
        }
    }
}
