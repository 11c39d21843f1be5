package dev.keyhouse.rotation;

import static dev.keyhouse.Profiles.ROTATION_LOST_KEY;
import static dev.keyhouse.Profiles.ROTATION_NEW_KEY;
import static dev.keyhouse.Profiles.ROTATION_OLD_KEY;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.keyhouse.ApiClient;
import dev.keyhouse.Management;
import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.web.Flash;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.sealed.SealedValue;
import dev.keyhouse.sealed.SealedValues;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.OptimisticLockException;
import org.hibernate.StaleStateException;

/**
 * The re-encryption job over REST, during a rotation window: NEW is the current key, OLD the previous one. Values
 * are seeded under OLD (or under LOST, a key that is configured nowhere) over JDBC, as an earlier Keyhouse would
 * have written them. Runs on the rotation tests' own database; {@link RotationRetryTest} and
 * {@link RotationPreviousKeyRetiredTest} continue on it with other keys.
 */
@QuarkusTest
@TestProfile(Profiles.Rotation1Window.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RotationTest {

    /** The state region's trigger while a job runs: the busy interval (TestSettings). */
    private static final String BUSY_POLL = "hx-trigger=\"every " + TestSettings.BUSY_REFRESH + "\"";

    static final String ALL = "rotation-test/all/";
    static final String LOST = "rotation-test/lost-key/api_key";
    static final String SAVED = "rotation-test/saved-during-job/api_key";
    private static final long NEW_KEY_ID = SealedRows.keyIdOf(ROTATION_NEW_KEY);
    private static final long OLD_KEY_ID = SealedRows.keyIdOf(ROTATION_OLD_KEY);
    private static final long LOST_KEY_ID = SealedRows.keyIdOf(ROTATION_LOST_KEY);

    @Inject
    DataSource db;
    @Inject
    SealedValues sealedValues;
    @Inject
    RotationJobs jobs;

    private final CredentialCipher underOld = SealedRows.cipher(ROTATION_OLD_KEY);
    /** What the application must still be able to open after the previous key is gone. */
    private final CredentialCipher newOnly = SealedRows.cipher(ROTATION_NEW_KEY);
    private String admin;

    @BeforeEach
    void signIn() {
        admin = ApiClient.adminToken();
    }

    /**
     * Issue 20: with every value under the current key, the page's Start button is disabled saying why, the form's
     * POST answers a 409 page saying there is nothing to re-encrypt, and the API a 409 saying the same; no job starts.
     */
    private void nothingLeftDisablesStartAndItsPostIsRefused() {
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        String html = given().cookie(SessionTokens.SESSION_COOKIE, session).get(RotationPage.PATH).then()
                .statusCode(200).extract().asString();
        assertThat(html).contains("<button type=\"submit\" id=\"start-job\" disabled"
                + " aria-describedby=\"start-reason\">Start re-encryption</button>",
                "<p class=\"muted\" id=\"start-reason\">Nothing to re-encrypt: every value (");
        long jobsBefore = jobCount();
        Response refused = Browser.signedInForm(session).redirects().follow(false).post(RotationPage.PATH);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.contentType()).startsWith("text/html");
        assertThat(refused.asString()).contains("Nothing to re-encrypt", "No job was started.");
        // the API says the same (issue 20's breaker: it started an empty job where the page refused)
        Response api = Jobs.start(admin);
        assertThat(api.statusCode()).as(api.asString()).isEqualTo(409);
        assertThat(api.jsonPath().getBoolean("nothingToReEncrypt")).isTrue();
        assertThat(api.jsonPath().getString("detail")).startsWith("Nothing to re-encrypt: every value (")
                .endsWith("No job was started.");
        assertThat(jobCount()).as("no empty job").isEqualTo(jobsBefore);
    }

    @Test
    @Order(1)
    void everyValueEndsUnderTheCurrentKeyAndStillOpensToWhatItWas() {
        List<UUID> seeded = SealedRows.seed(db, underOld, ALL + "llm/api_key", 150);
        Map<UUID, SealedRows.Row> before = SealedRows.withPurpose(db, ALL);

        Response started = Jobs.start(admin);
        started.then().statusCode(202);
        long id = started.jsonPath().getLong("id");
        assertThat(started.jsonPath().getString("state")).isEqualTo("running");
        assertThat(started.header("Location")).endsWith(Jobs.API + "/" + id);

        JsonPath job = Jobs.awaitEnd(admin, id);
        assertThat(job.getString("state")).isEqualTo("succeeded");
        assertThat(job.getLong("rewritten")).isGreaterThanOrEqualTo(150);
        assertThat(job.getLong("failed")).isZero();
        assertThat(job.getLong("scanned")).isEqualTo(job.getLong("rewritten") + job.getLong("alreadyCurrent"));
        assertThat(job.getLong("total")).isEqualTo(job.getLong("scanned"));
        assertThat(job.getLong("remainingUnderPreviousKeys")).isZero();
        assertThat(job.getBoolean("previousKeyRetirable")).isTrue();
        assertThat(job.getString("nextStep")).contains("Remove CREDENTIAL_ENCRYPTION_KEY_PREVIOUS and restart");
        assertThat(job.getString("startedBy")).isEqualTo(TestSettings.ADMIN_EMAIL);
        assertThat(job.getString("finishedAt")).isNotNull();
        assertThat(job.getList("failures")).isEmpty();
        nothingLeftDisablesStartAndItsPostIsRefused();

        Map<UUID, SealedRows.Row> after = SealedRows.withPurpose(db, ALL);
        assertThat(after.keySet()).containsExactlyInAnyOrderElementsOf(seeded);
        assertThat(after.values()).allSatisfy(row -> {
            assertThat(row.keyId()).isEqualTo(NEW_KEY_ID);
            assertThat(CredentialCipher.keyIdOf(row.ciphertext())).hasValue(NEW_KEY_ID);
            assertThat(row.open(newOnly)).as("opens with the new key alone, to its plaintext")
                    .isEqualTo(SealedRows.plaintextOf(row.id()));
            assertThat(row.version()).isEqualTo(before.get(row.id()).version() + 1);
        });

        assertThat(Rows.containing(db, SealedRows.plaintextOf(seeded.get(0)))).as("no plaintext stored anywhere").isEmpty();

        JsonPath overview = given().auth().oauth2(admin).get(Jobs.API).then().statusCode(200).extract().jsonPath();
        assertThat(overview.getString("currentKeyId")).isEqualTo(KeyRing.hex(NEW_KEY_ID));
        assertThat(overview.getList("previousKeyIds")).containsExactly(KeyRing.hex(OLD_KEY_ID));
        assertThat(overview.getLong("remainingUnderPreviousKeys")).isZero();
        assertThat(overview.getBoolean("previousKeyRetirable")).isTrue();
        assertThat(overview.getList("keys.status")).containsExactly("CURRENT", "PREVIOUS");
        assertThat(overview.getLong("jobs[0].id")).isEqualTo(id);

        assertThat(Rows.column(db, "SELECT actor || ' ' || action FROM audit_events WHERE target = ? ORDER BY id",
                "job " + id)).containsExactly(TestSettings.ADMIN_EMAIL + " rotation.started",
                        TestSettings.ADMIN_EMAIL + " rotation.succeeded");
    }

    @Test
    @Order(2)
    void aValueUnderAKeyConfiguredNowhereIsReportedAndLeftUntouched() {
        UUID lost = SealedRows.seed(db, SealedRows.cipher(ROTATION_LOST_KEY), LOST, 1).get(0);
        List<UUID> readable = SealedRows.seed(db, underOld, ALL + "stt/api_key", 5);
        SealedRows.Row before = SealedRows.withPurpose(db, LOST).get(lost);

        long id = Jobs.started(admin);
        JsonPath job = Jobs.awaitEnd(admin, id);

        assertThat(job.getString("state")).isEqualTo("failed");
        assertThat(job.getLong("failed")).isEqualTo(1);
        assertThat(job.getString("failures[0].sealedValueId")).isEqualTo(lost.toString());
        assertThat(job.getString("failures[0].purpose")).isEqualTo(LOST);
        assertThat(job.getString("failures[0].keyId")).isEqualTo(KeyRing.hex(LOST_KEY_ID));
        assertThat(job.getString("failures[0].reason"))
                .isEqualTo("written under key " + KeyRing.hex(LOST_KEY_ID) + ", which is not configured");
        assertThat(job.getBoolean("previousKeyRetirable")).isFalse();
        assertThat(job.getString("nextStep")).startsWith("1 values could not be decrypted: written under key "
                + KeyRing.hex(LOST_KEY_ID) + ", which is not configured (1 value)");
        assertThat(job.prettify()).doesNotContain(SealedRows.plaintextOf(lost));

        SealedRows.Row after = SealedRows.withPurpose(db, LOST).get(lost);
        assertThat(after.ciphertext()).as("never overwritten").isEqualTo(before.ciphertext());
        assertThat(after.keyId()).isEqualTo(LOST_KEY_ID);
        assertThat(after.version()).isEqualTo(before.version());
        assertThat(SealedRows.withPurpose(db, ALL + "stt/")).hasSize(readable.size()).allSatisfy((rowId, row) ->
                assertThat(row.open(newOnly)).isEqualTo(SealedRows.plaintextOf(rowId)));

        JsonPath overview = given().auth().oauth2(admin).get(Jobs.API).then().statusCode(200).extract().jsonPath();
        assertThat(overview.getLong("underUnknownKeys")).isEqualTo(1);
        assertThat(overview.getBoolean("previousKeyRetirable")).isFalse();
        assertThat(overview.getList("keys.keyId")).contains(KeyRing.hex(LOST_KEY_ID));
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE target = ? ORDER BY id", "job " + id))
                .containsExactly("rotation.started", "rotation.failed");
    }

    @Test
    @Order(3)
    void aSecondStartWhileOneRunsIsRefusedNamingTheRunningJob() throws Exception {
        SealedRows.seed(db, underOld, ALL + "tts/api_key", 3000);
        long running = Jobs.started(admin);
        try (Jobs.Hold held = Jobs.hold(db, running)) {
            Response second = Jobs.start(admin);
            assertThat(second.statusCode()).isEqualTo(409);
            assertThat(second.contentType()).startsWith("application/problem+json");
            assertThat(second.jsonPath().getLong("runningJob")).isEqualTo(running);
            assertThat(second.jsonPath().getString("detail")).contains("rotation job " + running + " is running");
            assertThat(second.jsonPath().getMap("")).containsOnlyKeys("type", "title", "status", "detail", "runningJob");

            Response viaPage = given().auth().oauth2(admin).contentType(ContentType.JSON).redirects().follow(false)
                    .post(RotationPage.PATH);
            assertThat(viaPage.statusCode()).isEqualTo(409);
            Response retry = given().auth().oauth2(admin).contentType(ContentType.JSON)
                    .post(Jobs.API + "/" + running + "/retry-failed");
            assertThat(retry.statusCode()).isEqualTo(409);
            assertThat(retry.jsonPath().getLong("runningJob")).isEqualTo(running);

            JsonPath progress = Jobs.report(admin, running);
            assertThat(progress.getString("state")).as("a live job is never taken for an interrupted one")
                    .isEqualTo("running");
            assertThat(progress.getString("nextStep")).startsWith("Job " + running + " is running");
        }
        assertThat(Jobs.awaitEnd(admin, running).getLong("rewritten")).isGreaterThanOrEqualTo(3000);
        assertThat(Rows.column(db, "SELECT count(*) FROM rotation_jobs WHERE id > ?", running)).containsExactly("0");
    }

    @Test
    @Order(5)
    void savesMadeWhileTheJobRunsSurviveAndAreNeverEncryptedTwice() throws Exception {
        List<UUID> walked = SealedRows.seed(db, underOld, ALL + "telephony/auth_token", 2500);
        Map<UUID, String> expected = new ConcurrentHashMap<>();
        walked.forEach(rowId -> expected.put(rowId, SealedRows.plaintextOf(rowId)));
        AtomicBoolean jobEnded = new AtomicBoolean();
        AtomicInteger createdWhileRunning = new AtomicInteger();
        AtomicInteger updatedWhileRunning = new AtomicInteger();
        AtomicInteger refusedAsStale = new AtomicInteger();

        long id = Jobs.started(admin);
        ExecutorService savers = Executors.newFixedThreadPool(2);
        Future<?> creating = savers.submit(() -> {
            for (int n = 0; !jobEnded.get(); n++) {
                // a new secret is always a new row (the settings pages never rewrite a row in place)
                SealedValue saved = sealedValues.seal(SAVED, "sk-created-" + n);
                expected.put(saved.id, "sk-created-" + n);
                if (!jobEnded.get()) {
                    createdWhileRunning.incrementAndGet();
                }
            }
        });
        Future<?> updating = savers.submit(() -> {
            Random random = new Random(42);
            for (int n = 0; !jobEnded.get(); n++) {
                UUID target = walked.get(random.nextInt(walked.size()));
                String value = "sk-updated-" + n;
                if (resealed(target, value)) {
                    expected.put(target, value);
                    if (!jobEnded.get()) {
                        updatedWhileRunning.incrementAndGet();
                    }
                } else {
                    refusedAsStale.incrementAndGet();
                }
            }
        });
        JsonPath job = Jobs.awaitEnd(admin, id);
        jobEnded.set(true);
        creating.get(60, TimeUnit.SECONDS);
        updating.get(60, TimeUnit.SECONDS);
        savers.shutdown();

        assertThat(job.getLong("failed")).as("only the value under the lost key").isEqualTo(1);
        assertThat(createdWhileRunning.get()).as("values created while the job ran").isPositive();
        assertThat(updatedWhileRunning.get()).as("values updated while the job ran").isPositive();
        Map<UUID, SealedRows.Row> rows = SealedRows.withPurpose(db, ALL + "telephony/");
        rows.putAll(SealedRows.withPurpose(db, SAVED));
        assertThat(rows.keySet()).as("nothing lost, nothing extra").containsExactlyInAnyOrderElementsOf(expected.keySet());
        assertThat(rows.values()).allSatisfy(row -> {
            assertThat(row.keyId()).isEqualTo(NEW_KEY_ID);
            // opening once gives the value last written: not an older one, and not a ciphertext sealed again
            assertThat(row.open(newOnly)).isEqualTo(expected.get(row.id()));
        });
        System.out.printf("saves during rotation job %d: %d created, %d updated, %d refused as stale and retried%n", id,
                createdWhileRunning.get(), updatedWhileRunning.get(), refusedAsStale.get());
    }

    @Test
    @Order(4)
    void aValueLockedBySomeoneElseIsSkippedThenSweptUpWhenReleased() throws Exception {
        List<UUID> seeded = SealedRows.seed(db, underOld, ALL + "locked/api_key", 50);
        UUID locked = seeded.get(25);
        long id;
        try (Connection saving = db.getConnection()) {
            lock(saving, locked);
            id = Jobs.started(admin);
            Jobs.sleep(300); // the first pass goes by the locked row (SKIP LOCKED) and sweeps wait for it
            assertThat(Jobs.report(admin, id).getString("state")).isEqualTo("running");
            saving.commit();
        }
        JsonPath job = Jobs.awaitEnd(admin, id);
        assertThat(job.getLong("remainingUnderPreviousKeys")).isZero();
        SealedRows.Row row = SealedRows.withPurpose(db, ALL + "locked/").get(locked);
        assertThat(row.keyId()).isEqualTo(NEW_KEY_ID);
        assertThat(row.open(newOnly)).isEqualTo(SealedRows.plaintextOf(locked));
    }

    /**
     * A value another transaction keeps locked through every sweep (issue 20, L1): the job must not say "succeeded"
     * with it still under the previous key — retiring that key would lose it. It fails naming the locked value and
     * says to keep the previous key; the next job, once the lock is gone, rewrites it and succeeds.
     */
    @Test
    @Order(5)
    void aValueLockedThroughEverySweepFailsTheJobAndKeepsThePreviousKey() throws Exception {
        List<UUID> seeded = SealedRows.seed(db, underOld, ALL + "held/api_key", 3);
        UUID locked = seeded.get(1);
        JsonPath job;
        try (Connection saving = db.getConnection()) {
            lock(saving, locked);
            job = Jobs.awaitEnd(admin, Jobs.started(admin)); // the sweeps give up on it after about 3 s
            saving.rollback();
        }
        assertThat(job.getString("state")).isEqualTo("failed");
        assertThat(job.getString("error")).isEqualTo("1 value was kept locked by another transaction while the job ran"
                + " and is still under a previous key");
        assertThat(job.getString("nextStep")).contains("Start the job again once the saves holding them have ended;"
                + " keep CREDENTIAL_ENCRYPTION_KEY_PREVIOUS until a job succeeds.");
        assertThat(SealedRows.withPurpose(db, ALL + "held/").get(locked).keyId()).isNotEqualTo(NEW_KEY_ID);

        JsonPath again = Jobs.awaitEnd(admin, Jobs.started(admin));
        assertThat(again.getString("error")).as("the next job is not held up").isNull();
        assertThat(SealedRows.withPurpose(db, ALL + "held/").get(locked).keyId()).isEqualTo(NEW_KEY_ID);
    }

    /** Locks one value's row in {@code saving}'s open transaction, as a save in progress would. */
    private static void lock(Connection saving, UUID id) throws java.sql.SQLException {
        saving.setAutoCommit(false);
        try (PreparedStatement lock = saving.prepareStatement("SELECT id FROM sealed_values WHERE id = ? FOR UPDATE")) {
            lock.setObject(1, id);
            lock.executeQuery().close();
        }
    }

    @Test
    @Order(6)
    void thePageStartsAJobWithItsCsrfTokenAndFollowsItUntilItEnds() throws Exception {
        SealedRows.seed(db, underOld, ALL + "page/api_key", 2000);
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        Response page = given().cookie(SessionTokens.SESSION_COOKIE, session).get(RotationPage.PATH);
        page.then().statusCode(200);
        String html = page.asString();
        assertThat(html).contains(KeyRing.hex(NEW_KEY_ID), KeyRing.hex(OLD_KEY_ID), KeyRing.hex(LOST_KEY_ID),
                "not configured", "Start re-encryption", "href=\"/admin/rotate-credentials\"", "<td>2000</td>");
        String csrfCookie = page.getCookie("csrf-token");
        long jobsBefore = jobCount();

        Response withoutToken = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).cookie("csrf-token", csrfCookie)
                .post(RotationPage.PATH);
        assertThat(withoutToken.statusCode()).as("a form post needs its CSRF token").isEqualTo(403);
        assertThat(jobCount()).isEqualTo(jobsBefore);

        Response posted = given().redirects().follow(false).contentType(ContentType.URLENC)
                .cookie(SessionTokens.SESSION_COOKIE, session).cookie("csrf-token", csrfCookie)
                .formParam("csrf-token", Browser.tokenIn(html)).post(RotationPage.PATH);
        assertThat(posted.statusCode()).isEqualTo(303);
        Matcher location = Pattern.compile("/admin/rotate-credentials\\?job=(\\d+)$")
                .matcher(posted.header("Location"));
        assertThat(location.find()).as(posted.header("Location")).isTrue();
        long id = Long.parseLong(location.group(1));
        // issue 20 (breaker, point 6): the message rides in a cookie the page expires, so a reload does not repeat it
        String flash = posted.getCookie(Flash.COOKIE);
        assertThat(flash).isEqualTo("started");

        try (Jobs.Hold held = Jobs.hold(db, id)) {
            Response shown = given().cookie(SessionTokens.SESSION_COOKIE, session).cookie(Flash.COOKIE, flash)
                    .get(RotationPage.PATH + "?job=" + id);
            String running = shown.then().statusCode(200).extract().asString();
            assertThat(shown.getDetailedCookie(Flash.COOKIE).getMaxAge()).as("the page expires the flash").isZero();
            assertThat(given().cookie(SessionTokens.SESSION_COOKIE, session).get(RotationPage.PATH + "?job=" + id)
                    .then().statusCode(200).extract().asString()).as("a reload shows no flash")
                    .doesNotContain("Re-encryption job started.").contains("Job " + id);
            assertThat(running).contains("Re-encryption job started.", "Job " + id,
                    "hx-get=\"/admin/rotate-credentials/" + id + "/progress\"", BUSY_POLL,
                    "<button type=\"submit\" id=\"start-job\" disabled>Start re-encryption</button>");
            String polled = progress(session, id);
            assertThat(polled).as("the whole state region, not the job card alone")
                    .startsWith("<div id=\"rotation-state\"").contains(BUSY_POLL, "id=\"job\"",
                            "Job " + id + " is running; wait for it to finish.", "id=\"history-" + id + "\"",
                            "<button type=\"submit\" id=\"start-job\" disabled>Start re-encryption</button>")
                    .doesNotContain("<nav>");
        }
        Jobs.awaitEnd(admin, id);
        String ended = progress(session, id);
        assertThat(ended).as("fast polling stops when the job ends; the region only looks for a new job")
                .doesNotContain(BUSY_POLL, "/" + id + "/progress")
                .contains("hx-get=\"/admin/rotate-credentials/state?job=" + id + "\" hx-trigger=\"every " + TestSettings.IDLE_REFRESH + "\"")
                .contains("failed", LOST, "which is not configured", "values could not be decrypted",
                        "action=\"/admin/rotate-credentials/" + id + "/retry-failed\"", "Retry failed");
        assertThat(ended).as("the keys, the next step and the Start button end with the job")
                .contains("<button type=\"submit\" id=\"start-job\">Start re-encryption</button>")
                .doesNotContain("is running", "disabled");
        assertThat(ended).doesNotContain(SealedRows.plaintextOf(SealedRows.withPurpose(db, LOST).keySet().iterator().next()));

        // a script may post to the page's address with a bearer token and no body at all
        HttpResponse<String> scripted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + RestAssured.port + RotationPage.PATH))
                .header("Authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(scripted.statusCode()).isEqualTo(202);
        long scriptedId = JsonPath.from(scripted.body()).getLong("id");
        assertThat(scripted.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l)
                .endsWith(Jobs.API + "/" + scriptedId));
        Jobs.awaitEnd(admin, scriptedId);
    }

    @Test
    @Order(7)
    void metricsShowValuesPerKeyAndWhatTheJobsDid() {
        String metrics = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        long values = Long.parseLong(Rows.column(db, "SELECT count(*) FROM sealed_values WHERE key_id = ?", NEW_KEY_ID).get(0));
        assertThat(metric(metrics, "keyhouse_sealed_values{key_id=\"" + KeyRing.hex(NEW_KEY_ID) + "\",status=\"current\"}"))
                .isEqualTo(values);
        assertThat(metric(metrics, "keyhouse_sealed_values{key_id=\"" + KeyRing.hex(OLD_KEY_ID) + "\",status=\"previous\"}"))
                .isZero();
        assertThat(metric(metrics, "keyhouse_sealed_values{key_id=\"" + KeyRing.hex(LOST_KEY_ID) + "\",status=\"unknown\"}"))
                .isEqualTo(1);
        // this profile's application ran every job on its database, so its counters add up the jobs' own counts
        assertThat(metric(metrics, "keyhouse_rotation_rewritten_total"))
                .isEqualTo(Long.parseLong(Rows.column(db, "SELECT sum(rewritten) FROM rotation_jobs").get(0)))
                .isGreaterThanOrEqualTo(5000);
        assertThat(metric(metrics, "keyhouse_rotation_failures_total"))
                .isEqualTo(Long.parseLong(Rows.column(db, "SELECT sum(failed) FROM rotation_jobs").get(0)))
                .isGreaterThanOrEqualTo(4);
        // ROTATION_BATCH_SIZE (7 here, 500 by default): each committed transaction checked 7 values at most
        long batches = metric(metrics, "keyhouse_rotation_batch_values_count");
        long batchedValues = metric(metrics, "keyhouse_rotation_batch_values_sum");
        assertThat(batchedValues).isGreaterThanOrEqualTo(5000);
        assertThat(batches).as("batches of at most ROTATION_BATCH_SIZE values")
                .isGreaterThanOrEqualTo((batchedValues + Profiles.ROTATION_BATCH_SIZE - 1) / Profiles.ROTATION_BATCH_SIZE);
        assertThat(metric(metrics, "keyhouse_rotation_job_running")).isZero();
        assertThat(metric(metrics, "keyhouse_rotation_job_scanned")).isEqualTo(metric(metrics, "keyhouse_rotation_job_total"));
    }

    @Test
    @Order(8)
    void aRunningJobIsInterruptedOnlyOnceNoReplicaHoldsTheJobLock() throws Exception {
        long ghost = runningJob(100, 40, 40, "now() - interval '1 minute'");
        try (Connection otherReplica = db.getConnection(); Statement lock = otherReplica.createStatement()) {
            lock.execute("SELECT pg_advisory_lock(" + JobLock.KEY + ")");
            assertThat(Jobs.report(admin, ghost).getString("state")).as("its replica holds the lock").isEqualTo("running");
            Response start = Jobs.start(admin);
            assertThat(start.statusCode()).isEqualTo(409);
            assertThat(start.jsonPath().getLong("runningJob")).isEqualTo(ghost);
            lock.execute("SELECT pg_advisory_unlock(" + JobLock.KEY + ")");
        }
        JsonPath looked = Jobs.report(admin, ghost);
        assertThat(looked.getString("state")).as("nobody holds the lock: its process died").isEqualTo("interrupted");
        assertThat(looked.getString("finishedAt")).as("when it was last seen alive").isNotNull();
        assertThat(looked.getLong("rewritten")).isEqualTo(40);
        assertThat(looked.getString("nextStep")).contains("was interrupted", "Start the job again to finish");
        assertThat(Rows.column(db, "SELECT actor || ' ' || action FROM audit_events WHERE target = ? ORDER BY id", "job " + ghost))
                .containsExactly("system rotation.interrupted");
    }

    @Test
    @Order(9)
    void aBatchIsWrittenByOneStatementHoweverManyValuesItRewrites() throws Exception {
        List<UUID> seeded = seedSortingLast("0000", 5 * Profiles.ROTATION_BATCH_SIZE + 3);
        long expectedStatements = batchesHolding("0000");
        try (Connection counting = db.getConnection(); Statement sql = counting.createStatement()) {
            // what a statement-level trigger on sealed_values (a NOTIFY, say) would cost: one call per statement
            sql.execute("CREATE TABLE rotation_test_statements (at TIMESTAMPTZ NOT NULL DEFAULT now())");
            sql.execute("CREATE FUNCTION rotation_test_count() RETURNS trigger LANGUAGE plpgsql AS"
                    + " $$ BEGIN INSERT INTO rotation_test_statements DEFAULT VALUES; RETURN NULL; END $$");
            sql.execute("CREATE TRIGGER rotation_test_count AFTER UPDATE ON sealed_values FOR EACH STATEMENT"
                    + " EXECUTE FUNCTION rotation_test_count()");
            try {
                JsonPath job = Jobs.awaitEnd(admin, Jobs.started(admin));
                assertThat(job.getLong("rewritten")).isEqualTo(seeded.size());
                assertThat(Rows.column(db, "SELECT count(*) FROM rotation_test_statements"))
                        .as("one UPDATE per batch of %d that held a value to rewrite, not one per value",
                                Profiles.ROTATION_BATCH_SIZE)
                        .containsExactly(String.valueOf(expectedStatements));
            } finally {
                sql.execute("DROP TRIGGER rotation_test_count ON sealed_values");
                sql.execute("DROP FUNCTION rotation_test_count()");
                sql.execute("DROP TABLE rotation_test_statements");
            }
        }
        assertThat(expectedStatements).isBetween(6L, 7L);
        assertThat(SealedRows.withPurpose(db, ALL + "one-statement/")).hasSize(seeded.size()).allSatisfy((rowId, row) -> {
            assertThat(row.keyId()).isEqualTo(NEW_KEY_ID);
            assertThat(row.version()).isEqualTo(1);
            assertThat(row.open(newOnly)).isEqualTo(SealedRows.plaintextOf(rowId));
        });
    }

    @Test
    @Order(10)
    void aBatchThatWritesFewerValuesThanItSealedIsRolledBackAndTheJobStops() throws Exception {
        List<UUID> seeded = seedSortingLast("1000", 4 * Profiles.ROTATION_BATCH_SIZE);
        UUID refused = seeded.get(2 * Profiles.ROTATION_BATCH_SIZE);
        List<String> itsBatch = Rows.column(db, "SELECT id FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / ?"
                + " AS batch FROM sealed_values) b WHERE batch = (SELECT batch FROM (SELECT id, (row_number() OVER"
                + " (ORDER BY id) - 1) / ? AS batch FROM sealed_values) c WHERE id = ?)",
                Profiles.ROTATION_BATCH_SIZE, Profiles.ROTATION_BATCH_SIZE, refused);
        Map<UUID, SealedRows.Row> before = SealedRows.withPurpose(db, ALL + "one-statement/");
        JsonPath job;
        try (Connection refusing = db.getConnection(); Statement sql = refusing.createStatement()) {
            // as if the row had changed under the job's lock: the database leaves it out of the batch's UPDATE
            sql.execute("CREATE FUNCTION rotation_test_skip() RETURNS trigger LANGUAGE plpgsql AS"
                    + " $$ BEGIN RETURN NULL; END $$");
            sql.execute("CREATE TRIGGER rotation_test_skip BEFORE UPDATE ON sealed_values FOR EACH ROW WHEN (OLD.id = '"
                    + refused + "') EXECUTE FUNCTION rotation_test_skip()");
            try {
                job = Jobs.awaitEnd(admin, Jobs.started(admin));
            } finally {
                sql.execute("DROP TRIGGER rotation_test_skip ON sealed_values");
                sql.execute("DROP FUNCTION rotation_test_skip()");
            }
        }
        assertThat(job.getString("state")).isEqualTo("failed");
        assertThat(job.getString("error")).isEqualTo("stopped on an error (SQLException); the log has the details");
        Map<UUID, SealedRows.Row> after = SealedRows.withPurpose(db, ALL + "one-statement/");
        assertThat(itsBatch).as("the refused value's batch").hasSize(Profiles.ROTATION_BATCH_SIZE).allSatisfy(rowId -> {
            SealedRows.Row row = after.get(UUID.fromString(rowId));
            assertThat(row.keyId()).as("rolled back with the whole batch").isEqualTo(OLD_KEY_ID);
            assertThat(row.version()).isZero();
            assertThat(row.ciphertext()).isEqualTo(before.get(row.id()).ciphertext());
        });
        long underNew = seeded.stream().filter(rowId -> after.get(rowId).keyId() == NEW_KEY_ID).count();
        long firstOfItsBatch = itsBatch.stream().mapToLong(rowId -> seeded.indexOf(UUID.fromString(rowId))).min()
                .orElseThrow();
        assertThat(firstOfItsBatch).as("its batch holds only seeded values").isPositive();
        assertThat(underNew).as("every value before its batch, committed batch by batch").isEqualTo(firstOfItsBatch);
        assertThat(seeded.subList(0, (int) underNew)).allSatisfy(rowId ->
                assertThat(after.get(rowId).keyId()).isEqualTo(NEW_KEY_ID));
        assertThat(job.getLong("rewritten")).as("counters hold only what was committed").isEqualTo(underNew);

        JsonPath again = Jobs.awaitEnd(admin, Jobs.started(admin));
        assertThat(again.getLong("rewritten")).isEqualTo(seeded.size() - underNew);
        assertThat(SealedRows.withPurpose(db, ALL + "one-statement/")).allSatisfy((rowId, row) -> {
            assertThat(row.keyId()).isEqualTo(NEW_KEY_ID);
            assertThat(row.open(newOnly)).isEqualTo(SealedRows.plaintextOf(rowId));
        });
    }

    /**
     * Seeds {@code count} values under OLD whose ids sort after every random one ({@code ffffffff-ffff-4fff-8fff-}
     * {@code group} then a counter), so the walk meets them together, in consecutive batches.
     */
    private List<UUID> seedSortingLast(String group, int count) throws Exception {
        List<UUID> ids = IntStream.range(0, count)
                .mapToObj(i -> UUID.fromString(String.format("ffffffff-ffff-4fff-8fff-%s%08x", group, i))).toList();
        try (Connection connection = db.getConnection()) {
            return SealedRows.seed(connection, underOld, ALL + "one-statement/api_key", ids);
        }
    }

    /** How many of the walk's batches (by id, ROTATION_BATCH_SIZE each, no row locked) hold a value of the group. */
    private long batchesHolding(String group) {
        return Long.parseLong(Rows.column(db, "SELECT count(DISTINCT batch) FROM (SELECT id, (row_number() OVER"
                + " (ORDER BY id) - 1) / ? AS batch FROM sealed_values) b WHERE id::text LIKE ?",
                Profiles.ROTATION_BATCH_SIZE, "ffffffff-ffff-4fff-8fff-" + group + "%").get(0));
    }

    /**
     * Issue 19: a shared secret's value is a sealed value like any other, so the job (which walks every row of
     * sealed_values, whatever its purpose) re-encrypts it, and runtime-config still serves what it held.
     */
    @Test
    @Order(11)
    void aSharedSecretsValueIsReEncryptedWithEveryOtherValue() {
        UUID valueId = SealedRows.seed(db, underOld, "shared_secret/rotation-shared/value", 1).get(0);
        Rows.update(db, "INSERT INTO shared_secrets (name, variable, value_id, created_by, updated_by)"
                + " VALUES ('rotation-shared', 'ROTATION_SHARED_SECRET', ?, 'test', 'test')", valueId);
        Rows.update(db, "INSERT INTO shared_secret_versions (shared_secret_id, name, variable, version, action,"
                + " value_id, saved_by) SELECT id, name, variable, 1, 'create', value_id, 'test' FROM shared_secrets"
                + " WHERE name = 'rotation-shared'");
        try {
            assertThat(SealedRows.withPurpose(db, "shared_secret/").get(valueId).keyId()).isEqualTo(OLD_KEY_ID);
            Jobs.awaitEnd(admin, Jobs.started(admin));
            SealedRows.Row row = SealedRows.withPurpose(db, "shared_secret/").get(valueId);
            assertThat(row.keyId()).as("re-encrypted under the current key").isEqualTo(NEW_KEY_ID);
            assertThat(row.version()).isEqualTo(1);
            assertThat(row.open(newOnly)).as("opens without the previous key, to what it held")
                    .isEqualTo(SealedRows.plaintextOf(valueId));
            // listing no target it is served to no runtime: what the runtimes of a target it listed would receive
            assertThat(environment.current().shared()).filteredOn(s -> s.variable().equals("ROTATION_SHARED_SECRET"))
                    .singleElement().extracting(dev.keyhouse.settings.ProviderEnvironment.SharedValue::value)
                    .isEqualTo(SealedRows.plaintextOf(valueId));
        } finally {
            Rows.update(db, "DELETE FROM shared_secrets WHERE name = 'rotation-shared'");
        }
    }

    /**
     * Issue 19: a fallback provider entry's key is a sealed value (purpose provider_entry/kind/id/field) like any
     * other, so the job re-encrypts it under the current key, and it opens to what it held with its own purpose (the
     * associated data binding it to its entry).
     */
    @Test
    @Order(12)
    void aFallbackEntrysKeyIsReEncryptedWithEveryOtherValue() {
        long id = Long.parseLong(Rows.column(db, "SELECT nextval('provider_entries_id_seq')").get(0));
        String purpose = "provider_entry/stt/" + id + "/api_key";
        UUID valueId = SealedRows.seed(db, underOld, purpose, 1).get(0);
        Rows.update(db, "INSERT INTO provider_entries (id, kind, position, enabled, provider, model, api_key_id,"
                + " created_by, updated_by) VALUES (?, 'stt', 1000, false, 'soniox', 'stt-rt-preview', ?, 'test',"
                + " 'test')", id, valueId);
        try {
            assertThat(SealedRows.withPurpose(db, "provider_entry/").get(valueId).keyId()).isEqualTo(OLD_KEY_ID);
            Jobs.awaitEnd(admin, Jobs.started(admin));
            SealedRows.Row row = SealedRows.withPurpose(db, "provider_entry/").get(valueId);
            assertThat(row.keyId()).as("re-encrypted under the current key").isEqualTo(NEW_KEY_ID);
            assertThat(row.open(newOnly)).as("opens without the previous key, to what it held")
                    .isEqualTo(SealedRows.plaintextOf(valueId));
        } finally {
            Rows.update(db, "DELETE FROM provider_entries WHERE id = ?", id);
        }
    }

    /**
     * Issue 20, point 1: the state region is rendered from one read. A job that ends between the page's reads (here:
     * its row is committed as succeeded between the overview and the job's report) is shown running everywhere, card,
     * next step and history alike, and still polled; the next poll shows it ended everywhere and stops.
     */
    @Test
    @Order(13)
    void aJobThatEndsWhileTheRegionIsReadIsShownTheSameEverywhere() throws Exception {
        long ghost = runningJob(10, 4, 0, "now()");
        String session = Browser.session(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
        try (Connection replica = db.getConnection(); Statement lock = replica.createStatement()) {
            lock.execute("SELECT pg_advisory_lock(" + JobLock.KEY + ")"); // its replica is alive
            // committed by another connection, as the job's own thread commits its end
            jobs.betweenReads(() -> java.util.concurrent.CompletableFuture.runAsync(() -> Rows.column(db,
                    "UPDATE rotation_jobs SET state = 'succeeded', scanned = 10, finished_at = now() WHERE id = ?"
                            + " RETURNING id", ghost)).join());
            String read = progress(session, ghost);
            jobs.betweenReads(null);
            assertThat(read).as("card, next step and history from the same moment")
                    .contains("<span class=\"state state-running\">running</span></h2>")
                    .containsPattern("(?s)id=\"history-" + ghost + "\">.*?state-running")
                    .contains("Job " + ghost + " is running").contains(BUSY_POLL)
                    .doesNotContain("state-succeeded\">succeeded</span></h2>");
            String next = progress(session, ghost);
            assertThat(next).as("the next read: ended everywhere, no longer polled")
                    .contains("<span class=\"state state-succeeded\">succeeded</span></h2>")
                    .containsPattern("(?s)id=\"history-" + ghost + "\">.*?state-succeeded")
                    .doesNotContain("state-running").doesNotContain("Job " + ghost + " is running")
                    .doesNotContain(BUSY_POLL);
            lock.execute("SELECT pg_advisory_unlock(" + JobLock.KEY + ")");
        } finally {
            jobs.betweenReads(null);
            Rows.column(db, "DELETE FROM rotation_jobs WHERE id = ? RETURNING id", ghost);
        }
    }

    private static long metric(String metrics, String series) {
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.E+-]+)$").matcher(metrics);
        assertThat(line.find()).as("/q/metrics has " + series).isTrue();
        return (long) Double.parseDouble(line.group(1));
    }

    private static String progress(String session, long id) {
        return given().cookie(SessionTokens.SESSION_COOKIE, session).get(RotationPage.PATH + "/" + id + "/progress")
                .then().statusCode(200).extract().asString().strip();
    }

    private long jobCount() {
        return Long.parseLong(Rows.column(db, "SELECT count(*) FROM rotation_jobs").get(0));
    }

    /** An admin's save of an existing value: read it fresh, reseal it; false when the job rewrote it first. */
    private boolean resealed(UUID id, String value) {
        try {
            QuarkusTransaction.requiringNew().run(() -> sealedValues.reseal(sealedValues.find(id).orElseThrow(), value));
            return true;
        } catch (RuntimeException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof OptimisticLockException || cause instanceof StaleStateException) {
                    return false;
                }
            }
            throw e;
        }
    }

    /**
     * Issue 19: a fleet kind's secrets are sealed values like every other. Storage configured with both keys sealed
     * under the previous key (as a database from before a key change holds them) ends under the current key, served
     * as it was; the kind is left unconfigured afterwards.
     */
    @Test
    @Order(11)
    void aFleetKindsSecretsAreReEncryptedAndServedAsBefore() {
        UUID access = SealedRows.seed(db, underOld, dev.keyhouse.settings.ProviderKind.STORAGE
                .purpose(dev.keyhouse.settings.SettingField.ACCESS_KEY), 1).get(0);
        UUID secret = SealedRows.seed(db, underOld, dev.keyhouse.settings.ProviderKind.STORAGE
                .purpose(dev.keyhouse.settings.SettingField.SECRET_KEY), 1).get(0);
        try {
            dev.keyhouse.settings.Notified.commit(() -> Rows.update(db, "UPDATE provider_settings SET provider = 's3',"
                    + " bucket = 'rotation-fleet', access_key_id = ?, secret_key_id = ?, version = 1, updated_at = now()"
                    + " WHERE kind = 'storage'", access, secret));
            Response started = Jobs.start(admin);
            started.then().statusCode(202);
            Jobs.awaitEnd(admin, started.jsonPath().getLong("id"));
            Map<UUID, SealedRows.Row> after = SealedRows.withPurpose(db, "provider_setting/storage/");
            for (UUID id : List.of(access, secret)) {
                assertThat(after.get(id).keyId()).as("under the current key").isEqualTo(NEW_KEY_ID);
                assertThat(after.get(id).open(newOnly)).isEqualTo(SealedRows.plaintextOf(id));
            }
            Map<String, String> env = environment.current().env();
            assertThat(env).containsEntry("AWS_ACCESS_KEY_ID", SealedRows.plaintextOf(access))
                    .containsEntry("AWS_SECRET_ACCESS_KEY", SealedRows.plaintextOf(secret))
                    .containsEntry("STORAGE_BUCKET", "rotation-fleet");
        } finally {
            dev.keyhouse.settings.FleetKindsTest.reset(db);
        }
    }

    @Inject
    dev.keyhouse.settings.ProviderEnvironment environment;

    /** A job row another replica left running, with its counts and last heartbeat (an SQL expression); its id. */
    private long runningJob(long total, long scanned, long rewritten, String heartbeat) {
        return Long.parseLong(Rows.column(db, "INSERT INTO rotation_jobs (state, started_by, target_key_id, total,"
                + " scanned, rewritten, heartbeat_at) VALUES ('running', 'ghost@keyhouse.test', ?, " + total + ", "
                + scanned + ", " + rewritten + ", " + heartbeat + ") RETURNING id", NEW_KEY_ID).get(0));
    }
}
