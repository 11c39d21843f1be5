package dev.keyhouse.web;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.keyhouse.Management;
import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.LogCapture;
import dev.keyhouse.auth.Rows;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.checks.BackgroundChecks;
import dev.keyhouse.checks.CheckOutcome;
import dev.keyhouse.checks.CheckResult;
import dev.keyhouse.checks.DeepgramStandIn;
import dev.keyhouse.checks.ElevenLabsStandIn;
import dev.keyhouse.checks.LastChecks;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.StandIn;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.config.AtRest;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.crypto.LegacyCiphertexts;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.settings.SettingField;
import dev.keyhouse.vault.VaultStandInResource;
import io.quarkus.arc.Arc;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * Plants a distinct, recognisable secret in every secret field and every host credential, drives every route of
 * the application, then searches the database server's raw storage (every file of its data directory, the WAL
 * included, after a CHECKPOINT), a {@code COPY} dump of every table, the whole application log, the HTML of every
 * page, every REST response and every table (the audit log among them): no planted value may appear anywhere.
 * The GET routes fetched are the routes the application compiles to ({@link ResourceRoutes}), so a new page or
 * endpoint is searched as soon as it exists, and a route that is neither searched nor listed in
 * {@link #NOT_SEARCHED} with a reason fails {@link #everyRouteIsSearchedOrExcludedWithAReason}. The runtime-config
 * endpoint, the one place plaintext may leave, proves the search finds a planted value where it is. The management
 * port's health and metrics and the API description (as an admin sees it) are searched too.
 *
 * <p>Every kind whose setting names a base URL points at a provider stand-in on loopback (llm at
 * {@link OpenAiStandIn}, stt at {@link DeepgramStandIn}, tts at {@link ElevenLabsStandIn}) that echoes the key it
 * was sent in every answer, in the body and the {@code X-Echo} header, as OpenAI's 401 does: the saves' checks, the
 * REST and form checks (the stored key, a typed invalid key, a typed key without credit), a save refused by its check,
 * an overridden one and a background round all carry planted keys there and get them back, and
 * {@link #theStandInsReceivedAndEchoedThePlantedKeys} proves they did, so the searches are not vacuous.
 *
 * <p>Vault (issue 18): the profile's {@link VaultStandInResource} token is planted, and tts's key is saved as a
 * {@code vault:} reference to a value planted in the stand-in, so every search covers a value resolved from Vault
 * ({@link #aKeyHeldInVaultIsStoredAsItsReferenceAndShownWithoutItsValue}).
 */
@QuarkusTest
@TestProfile(Profiles.LoggedToFile.class)
class LeakTest {

    /** Discovered routes whose responses are not searched, each with why. */
    static final Map<String, String> NOT_SEARCHED = Map.of(
            "GET /api/v1/internal/runtime-config", "the one place plaintext leaves Keyhouse, to a runtime holding "
                    + "PROVISIONER_INTERNAL_TOKEN; searched the other way round: the planted keys must be in it");

    /** Real values for path parameters of GET routes: each route is fetched once per value. */
    static final Map<String, List<String>> PATH_VALUES = Map.of(
            "kind", java.util.Arrays.stream(ProviderKind.values()).map(ProviderKind::id).toList());

    /** More URLs of a GET route than its bare path: flashes, filters, pages. */
    static final Map<String, List<String>> QUERIES = Map.of(
            "GET /admin/audit", List.of("?kind=llm", "?kind=telephony", "?actor=" + TestSettings.ADMIN_EMAIL, "?page=2"),
            "GET /api/v1/audit", List.of("?kind=llm", "?kind=telephony", "?actor=" + TestSettings.ADMIN_EMAIL, "?page=2"),
            "GET /admin/runtimes", List.of("?driver=recording", "?driver=command"),
            "GET /api/v1/restarts", List.of("?target=leak-fleet"),
            "GET /login", List.of("?next=/admin/settings"));

    static final String MODEL = "leakcheck-model-7731";
    private static final Pattern TEMPLATE = Pattern.compile("\\{(\\w[\\w.-]*)}");
    private static final Pattern NEW_TOKEN = Pattern.compile("id=\"new-token\">([^<]+)<");

    private static Evidence evidence;
    /** The re-encryption job the flow ran, whose pages and API answers are searched. */
    private static long rotationJobId;
    /** The runtime target and the restart run the flow made, whose pages and API answers are searched. */
    private static long runtimeTargetId;
    private static long restartRunId;
    /** A shared secret the flow made, whose page and API answer are searched. */
    private static long sharedSecretId;
    /** A user and an API token the page flow made, whose confirmation steps are searched. */
    private static long pageUserId;
    private static long pageTokenId;
    /** The planted shared-secret values runtime-config serves when it is fetched (the others were replaced). */
    static final List<String> SERVED_SHARED = List.of("shared secret (typed)", "shared secret (generated)",
            "shared secret (generated again)", "shared secret (page)");
    /** The STT fallback entry the flow made (issue 19), whose API answers are searched. */
    private static long providerEntryId;
    /** The planted fallback key runtime-config serves when it is fetched (the others were replaced or refused). */
    static final String SERVED_ENTRY = "stt fallback apiKey (replaced)";
    private static Throwable flowFailure;

    /** The providers' stand-ins; every answer carries the key it was sent. Stopped after the class. */
    static final OpenAiStandIn OPENAI = (OpenAiStandIn) new OpenAiStandIn().echoKeys();
    static final DeepgramStandIn DEEPGRAM = (DeepgramStandIn) new DeepgramStandIn().echoKeys();
    static final ElevenLabsStandIn ELEVENLABS = (ElevenLabsStandIn) new ElevenLabsStandIn().echoKeys();
    /** The kinds whose checks reach a stand-in (telephony's cannot: see {@link #standIn}). */
    static final List<ProviderKind> STAND_IN_KINDS = List.of(ProviderKind.LLM, ProviderKind.STT, ProviderKind.TTS);
    /** The kind whose key is saved as a {@code vault:} reference to the profile's Vault stand-in, and where. */
    static final ProviderKind VAULT_KIND = ProviderKind.TTS;
    static final String VAULT_PATH = "leak/tts";

    @Inject
    DataSource db;

    /** Everything the flow planted, said and got back; built once, by the first test that needs it. */
    record Evidence(Map<String, String> planted, List<Exchange> exchanges, List<Exchange> runtimeConfig,
            List<Exchange> operational, LogCapture log, Map<ProviderKind, List<String>> sentToStandIns) {

        /** Every planted value found in these answers, beyond what each may carry, with where. */
        List<String> hitsIn(List<Exchange> answers) {
            List<String> hits = new ArrayList<>();
            for (Exchange exchange : answers) {
                hits.addAll(hits(planted, exchange.text(), exchange.mayCarry(), exchange.where()));
            }
            return hits;
        }
    }

    /** One request and its whole answer: status, headers and body. {@code mayCarry} names planted values it may hold. */
    record Exchange(String route, String who, String method, String url, int status, String text, Set<String> mayCarry) {

        String where() {
            return method + " " + url + " as " + who + " (" + status + ")";
        }
    }

    @AfterAll
    static void stopCapturing() {
        if (evidence != null) {
            evidence.log().close();
        }
        OPENAI.close();
        DEEPGRAM.close();
        ELEVENLABS.close();
        dev.keyhouse.settings.VaultReferencesServedTest.replaceReferences();
    }

    @Test
    void theStandInsReceivedAndEchoedThePlantedKeys() {
        Evidence e = evidence();
        for (ProviderKind kind : STAND_IN_KINDS) {
            StandIn standIn = standIn(kind);
            List<String> names = e.sentToStandIns().get(kind);
            assertThat(names).as(kind.id() + ": the stored key, the checked keys, the refused and overridden saves")
                    .contains(kind.id() + " apiKey", kind.id() + " apiKey (checked, invalid)",
                            kind.id() + " apiKey (checked, no credit)");
            for (String name : names) {
                String key = e.planted().get(name);
                assertThat(standIn.received()).as(kind.id() + " stand-in received " + name)
                        .anyMatch(r -> r.headers().toString().contains(key));
                assertThat(standIn.echoed()).as(kind.id() + " stand-in echoed " + name + " in an answer")
                        .contains(key);
            }
        }
        List<Exchange> checks = e.exchanges().stream()
                .filter(x -> x.route().equals("POST /api/v1/settings/{kind}/check")).toList();
        for (String result : List.of("ok", "invalid_key", "no_credit")) {
            assertThat(checks).as("a REST check answered " + result)
                    .anyMatch(x -> x.status() == 200 && x.text().contains("\"result\":\"" + result + "\""));
        }
        String all = e.exchanges().stream().map(Exchange::text).collect(Collectors.joining("\n"));
        assertThat(all).as("no answer of Keyhouse carries a stand-in's echo field or header")
                .doesNotContain("X-Echo").doesNotContain("\"echo\"");
    }

    @Test
    void theBackgroundRoundRecordedEveryKindsCheckAndAuditedTheChange() {
        evidence();
        for (ProviderKind kind : STAND_IN_KINDS) {
            assertThat(Rows.column(db, "SELECT result FROM provider_checks WHERE kind = '" + kind.id() + "'"))
                    .as(kind.id() + ": the background round's result is kept").containsExactly("invalid_key");
            assertThat(Rows.column(db, "SELECT detail FROM audit_events WHERE action = '" + LastChecks.CHANGED
                    + "' AND kind = '" + kind.id() + "'")).as(kind.id() + ": the change is audited")
                    .anyMatch(detail -> detail.endsWith("→ invalid_key (HTTP 401, " + invalidCode(kind) + ")"));
        }
        assertThat(Rows.column(db, "SELECT action FROM audit_events WHERE kind = 'stt'"))
                .as("the overridden save is audited").contains("setting.check.override");
    }

    /**
     * The kind whose key the flow keeps in Vault ({@code vault:} reference): its value is planted like every key, so
     * every search above covers it; the stand-in received it (checks resolve it), runtime-config carries it, and here:
     * the setting holds only the pinned reference, shown as source vault with the value's fingerprint.
     */
    @Test
    void aKeyHeldInVaultIsStoredAsItsReferenceAndShownWithoutItsValue() {
        Evidence e = evidence();
        String reference = "vault:secret/" + VAULT_PATH + "#apiKey?version=1";
        Response shown = given().auth().oauth2(dev.keyhouse.ApiClient.adminToken())
                .get("/api/v1/settings/" + VAULT_KIND.id());
        shown.then().statusCode(200);
        assertThat(shown.jsonPath().getString("apiKey.source")).isEqualTo("vault");
        assertThat(shown.jsonPath().getString("apiKey.vault.reference")).isEqualTo(reference);
        assertThat(shown.jsonPath().getString("apiKey.vault.fingerprint")).isEqualTo(
                Arc.container().instance(dev.keyhouse.sealed.SecretFingerprints.class).get()
                        .of(e.planted().get(VAULT_KIND.id() + " apiKey")));
        assertThat(VaultStandInResource.vault().count("GET", "/v1/secret/data/" + VAULT_PATH))
                .as("Keyhouse read the key from Vault").isPositive();
        String key = e.planted().get(VAULT_KIND.id() + " apiKey");
        assertThat(standIn(VAULT_KIND).received()).as("its checks sent the resolved key, never the reference")
                .anyMatch(r -> r.headers().toString().contains(key))
                .noneMatch(r -> r.headers().toString().contains("vault:"));
    }

    /** The code each stand-in's 401 carries for an unknown key. */
    private static String invalidCode(ProviderKind kind) {
        return switch (kind) {
            case LLM -> "invalid_api_key";
            case STT -> "INVALID_AUTH";
            case TTS -> "invalid_api_key";
            default -> throw new IllegalArgumentException(kind.id());
        };
    }

    @Test
    void everyRouteIsSearchedOrExcludedWithAReason() {
        Evidence e = evidence();
        Set<String> discovered = ResourceRoutes.of(Path.of("target", "classes"));
        Set<String> searched = e.exchanges().stream().filter(x -> x.status() < 400 || !x.route().startsWith("GET "))
                .map(Exchange::route).collect(Collectors.toCollection(TreeSet::new));

        Set<String> neither = new TreeSet<>(discovered);
        neither.removeAll(searched);
        neither.removeAll(NOT_SEARCHED.keySet());
        assertThat(neither).as("routes the leak test neither searched (a GET answered 2xx or 3xx; a write was sent) "
                + "nor lists in LeakTest.NOT_SEARCHED with a reason: give a new GET route's path parameters real "
                + "values in PATH_VALUES, send a new write in the flow").isEmpty();
        Set<String> stale = new TreeSet<>(NOT_SEARCHED.keySet());
        stale.removeAll(discovered);
        assertThat(stale).as("LeakTest.NOT_SEARCHED names routes the application does not have").isEmpty();
        assertThat(searched).as("routes searched that the application does not have").isSubsetOf(discovered);
    }

    @Test
    void noPlantedSecretIsInAnyPageOrRestResponse() {
        Evidence e = evidence();
        assertThat(e.hitsIn(e.exchanges())).as("planted secrets in pages and REST responses").isEmpty();
        String pages = e.exchanges().stream().filter(x -> x.url().startsWith("/admin/settings"))
                .map(Exchange::text).collect(Collectors.joining("\n"));
        String llmKey = e.planted().get("llm apiKey");
        assertThat(pages).as("the search reads real pages: the overview shows the model and the key's hint")
                .contains(MODEL).contains("…" + llmKey.substring(llmKey.length() - 4));
        assertThat(e.exchanges()).as("admin pages and REST responses searched").hasSizeGreaterThan(40);
    }

    @Test
    void noPlantedSecretIsOnTheManagementPortNorInTheApiDescription() {
        Evidence e = evidence();
        assertThat(e.hitsIn(e.operational())).as("planted secrets in health, metrics or the API description").isEmpty();
        String metrics = e.operational().stream().filter(x -> x.route().equals("management /q/metrics"))
                .map(Exchange::text).findFirst().orElseThrow();
        assertThat(metrics).as("the search reads the real metrics, after the flow's rotation")
                .contains("keyhouse_sealed_values{key_id=\"" + KeyRing.hex(KeyRing.keyIdOf(
                        Base64.getDecoder().decode(TestSettings.ENCRYPTION_KEY))) + "\",status=\"current\"}")
                .contains("keyhouse_rotation_rewritten_total");
        assertThat(e.operational()).filteredOn(x -> x.status() == 200).hasSizeGreaterThanOrEqualTo(8);
    }

    @Test
    void noPlantedSecretIsInTheDatabaseServersRawStorage() {
        Evidence e = evidence();
        assertThat(AtRest.volatileTables()).as("unlogged or temporary tables, whose rows never reach the WAL and reach "
                + "the disk only at a shutdown: the search below could not see them").isEmpty();
        Path data = AtRest.checkpointedDataDirectory();
        List<AtRest.Hit> model = AtRest.searchFiles(data, Map.of("model", MODEL));
        assertThat(model).as("the search reads the real storage: the saved model is in a table file and in the WAL")
                .anyMatch(hit -> hit.where().startsWith("base/")).anyMatch(hit -> hit.where().startsWith("pg_wal/"));

        assertThat(AtRest.searchFiles(data, e.planted()))
                .as("planted secrets in the database server's files (tables with their dead tuples, WAL, logs) under "
                        + data).isEmpty();
    }

    @Test
    void noPlantedSecretIsInACopyDumpOfEveryTable() {
        Evidence e = evidence();
        String dump = AtRest.copyDump();

        assertThat(dump).as("the dump holds the data: the saved model, the sealed values, the audit events")
                .contains(MODEL).contains("provider_setting/llm/api_key").contains("setting.save")
                .contains("-- public.audit_events\n");
        assertThat(AtRest.searchDump(dump, e.planted())).as("planted secrets in a COPY dump of every table").isEmpty();
    }

    @Test
    void noPlantedSecretIsInAnyTableNorTheAuditLog() {
        Evidence e = evidence();
        List<String> hits = new ArrayList<>();
        e.planted().forEach((name, value) -> Rows.containing(db, value).forEach(row -> hits.add(name + " in " + row)));
        assertThat(hits).as("planted secrets in the database's tables").isEmpty();

        String audit = String.join("\n", Rows.column(db, "SELECT t::text FROM audit_events t"));
        assertThat(audit).as("the audit log has the flow's events").contains("setting.save").contains("setting.rollback");
        assertThat(hits(e.planted(), audit, Set.of(), "audit_events")).isEmpty();
        assertThat(Rows.containing(db, MODEL)).as("the table search finds what is there").isNotEmpty();
    }

    /**
     * Issue 20, point 7: a secret typed into a refused form (settings, runtime target, shared secret, new user) is
     * shown back in its field in the answer to that POST, sent {@code no-store}, and nowhere else: not in the next GET
     * of the page (nor any other answer: {@link #noPlantedSecretIsInAnyPageOrRestResponse}), the log
     * ({@link #noPlantedSecretIsInTheApplicationLog}), the audit or any table
     * ({@link #noPlantedSecretIsInAnyTableNorTheAuditLog}).
     */
    @Test
    void aTypedSecretIsShownBackOnlyInTheRefusalOfItsOwnPost() {
        Evidence e = evidence();
        List<Exchange> typedBack = e.exchanges().stream()
                .filter(x -> x.mayCarry().stream().anyMatch(name -> name.contains("rejected"))).toList();
        assertThat(typedBack).extracting(Exchange::route).containsExactlyInAnyOrder("POST /admin/settings/{kind}",
                "POST /admin/settings/{kind}/providers", "POST /admin/users", "POST /admin/shared-secrets",
                "POST /admin/runtimes/{id}");
        for (Exchange refused : typedBack) {
            String name = refused.mayCarry().iterator().next();
            String value = e.planted().get(name);
            assertThat(refused.status()).as(refused.where()).isIn(400, 422);
            assertThat(refused.text()).as(refused.where() + ": the typed value is back in its password field")
                    .containsPattern("type=\"password\"[^>]*value=\"" + Pattern.quote(value) + "\"")
                    .as(refused.where() + ": never cached").containsIgnoringCase("Cache-Control=no-store");
            int at = e.exchanges().indexOf(refused);
            Exchange next = e.exchanges().get(at + 1);
            assertThat(next.method()).isEqualTo("GET");
            assertThat(next.text()).as("the next GET of the page, " + next.where()).doesNotContain(value);
        }
    }

    @Test
    void noPlantedSecretIsInTheApplicationLog() throws IOException {
        Evidence e = evidence();
        String file = Files.readString(Path.of(Profiles.LoggedToFile.LOG_FILE), StandardCharsets.UTF_8);
        String captured = e.log().text();

        assertThat(file).as("the log file has every line since start-up, access lines included")
                .contains("/api/v1/settings/llm").contains("/admin/settings");
        assertThat(captured).as("the root-logger capture saw the flow").contains("/api/v1/tokens");
        List<String> hits = new ArrayList<>(hits(e.planted(), file, Set.of(), "the log file"));
        hits.addAll(hits(e.planted(), captured, Set.of(), "the captured log"));
        assertThat(hits).as("planted secrets in the application log").isEmpty();
    }

    @Test
    void theSearchFindsThePlantedKeysWhereTheyMayBe() {
        Evidence e = evidence();
        assertThat(e.runtimeConfig()).hasSize(2);
        for (Exchange config : e.runtimeConfig()) {
            List<String> expected = new ArrayList<>();
            for (ProviderKind kind : ProviderKind.values()) {
                secretFields(kind).forEach(field -> expected.add(kind.id() + " " + field.json() + " in " + config.where()));
            }
            SERVED_SHARED.forEach(name -> expected.add(name + " in " + config.where()));
            expected.add(SERVED_ENTRY + " in " + config.where());
            assertThat(hits(e.planted(), config.text(), Set.of(), config.where()))
                    .as("the runtime config carries exactly the current planted keys of every kind, nothing else")
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
        List<Exchange> tokenOnce = e.exchanges().stream()
                .filter(x -> x.mayCarry().stream().anyMatch(name -> name.startsWith("API token"))).toList();
        assertThat(tokenOnce).hasSize(2).allSatisfy(x -> assertThat(hits(e.planted(), x.text(), Set.of(), x.where()))
                .as("a new API token is shown once, at creation").hasSize(1));
    }

    // ---------------------------------------------------------------------------------------------------------
    // The flow
    // ---------------------------------------------------------------------------------------------------------

    private static synchronized Evidence evidence() {
        if (evidence == null && flowFailure == null) {
            try {
                evidence = new Flow().run();
            } catch (RuntimeException | AssertionError e) {
                flowFailure = e;
                // the flow's runtime targets would be in every later class's rollouts (the database is shared),
                // never confirming there: a failed flow takes them away with it
                Rows.update(Arc.container().instance(DataSource.class).get(), "UPDATE restart_runs SET state ="
                        + " 'aborted', finished_at = now() WHERE state IN ('running', 'waiting_approval', 'rolling_back')");
                Rows.update(Arc.container().instance(DataSource.class).get(),
                        "DELETE FROM runtime_targets WHERE name LIKE 'leak%'");
            }
        }
        if (flowFailure != null) {
            throw new IllegalStateException("the leak test's flow failed, so nothing was searched", flowFailure);
        }
        return evidence;
    }

    /** Plants every secret, then drives every route as an admin and as a viewer, recording every answer. */
    private static final class Flow {

        private final Map<String, String> planted = new LinkedHashMap<>();
        private final List<Exchange> exchanges = new ArrayList<>();
        private final List<Exchange> runtimeConfig = new ArrayList<>();
        private final List<Exchange> operational = new ArrayList<>();
        /** The planted values sent to each kind's stand-in, by name. */
        private final Map<ProviderKind, List<String>> sentToStandIns = new LinkedHashMap<>();
        private String adminSession;
        private String adminBearer;

        Evidence run() {
            // no compression, no recycled WAL: whatever the flow writes stays findable on disk
            AtRest.prepare();
            LogCapture log = LogCapture.install();
            plantHostCredentials();
            adminSession = signIn("admin", TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
            adminBearer = bearer("admin", TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
            registerRuntimeTargets();
            saveEverySecretOverRest();
            saveAndRollBackOnThePage();
            editAndRestartRuntimeTargets();
            String viewerEmail = Browser.uniqueEmail("leak-viewer");
            String viewerPassword = plant("user password (REST)", "LEAKCANARY-user-password-3e9a71c4");
            String viewerBearer = usersAndTokens(viewerEmail, viewerPassword);
            String viewerSession = signIn("viewer", viewerEmail, viewerPassword);
            sharedSecrets();
            providerEntries();
            providerEntriesOnThePage();
            rotateWithEverySecretStored();
            backgroundRound();
            for (String route : ResourceRoutes.of(Path.of("target", "classes"))) {
                if (route.startsWith("GET ") && !NOT_SEARCHED.containsKey(route)) {
                    for (String url : urls(route)) {
                        get(route, "admin", url, adminSession, adminBearer);
                        get(route, "viewer", url, viewerSession, viewerBearer);
                    }
                }
            }
            record("POST /logout", "viewer", Browser.signedInForm(viewerSession),
                    "POST", "/logout");
            fetchRuntimeConfig();
            deleteSharedSecrets();
            record("DELETE /api/v1/settings/{kind}/providers/{id}", "admin", given().auth().oauth2(adminBearer)
                    .header("If-Match", "\"6\""), "DELETE", "/api/v1/settings/stt/providers/" + providerEntryId)
                    .then().statusCode(200);
            fetchOperationalEndpoints();
            // later saves in this database (other test classes) must not restart the flow's target
            json(adminBearer, Map.of("enabled", false)).put("/api/v1/runtimes/" + runtimeTargetId)
                    .then().statusCode(200);
            return new Evidence(Map.copyOf(planted), List.copyOf(exchanges), List.copyOf(runtimeConfig),
                    List.copyOf(operational), log, Map.copyOf(sentToStandIns));
        }

        /** The host credentials the tests run with, as configured and as their decoded bytes read. */
        private void plantHostCredentials() {
            planted.put("bootstrap admin password", TestSettings.ADMIN_PASSWORD);
            planted.put("runtime-config token", TestSettings.RUNTIME_CONFIG_TOKEN);
            planted.put("Vault token", VaultStandInResource.token());
            Map<String, String> keys = Map.of("encryption key", TestSettings.ENCRYPTION_KEY,
                    "JWT key", TestSettings.JWT_KEY, "JWT previous key", TestSettings.JWT_PREVIOUS_KEY);
            keys.forEach((name, base64) -> {
                planted.put(name, base64);
                planted.put(name + " (decoded bytes)", new String(Base64.getDecoder().decode(base64), StandardCharsets.ISO_8859_1));
            });
            // what key ids used to be, a SHA-256 prefix of the key: shown nowhere (metrics, pages, API, log)
            planted.put("encryption key's SHA-256 id", KeyRing.hex(LegacyCiphertexts.sha256Id(TestSettings.ENCRYPTION_KEY)));
        }

        private String plant(String name, String value) {
            assertThat(planted).as("planted values are distinct").doesNotContainValue(value);
            planted.put(name, value);
            return value;
        }

        /**
         * Plants a key of {@code kind} that its stand-in answers as {@code scenario} (every answer echoing it); a
         * telephony key is planted only.
         */
        private String plantKey(ProviderKind kind, String name, String value, Scenario scenario) {
            plant(name, value);
            StandIn standIn = standIn(kind);
            if (standIn != null) {
                standIn.key(value, scenario);
                sentToStandIns.computeIfAbsent(kind, k -> new ArrayList<>()).add(name);
            }
            return value;
        }

        private void saveEverySecretOverRest() {
            // the first save of each kind sets the stand-in's base URL together with the key: a stored secret never
            // follows a new destination. Telephony's Twilio check has no base URL to point at a stand-in: it is
            // refused by the tests' loopback-only egress (unreachable); TwilioCheckTest covers its echo.
            for (ProviderKind kind : ProviderKind.values()) {
                Map<String, String> body = new LinkedHashMap<>(routing(kind));
                for (SettingField field : secretFields(kind)) {
                    String key = plantKey(kind, kind.id() + " " + field.json(), canary(kind, field), Scenario.GOOD);
                    if (kind == VAULT_KIND) {
                        // held in Vault: the setting stores the reference; the key is resolved where it is used
                        VaultStandInResource.vault().put("secret", VAULT_PATH, Map.of(field.json(), key));
                        key = "vault:secret/" + VAULT_PATH + "#" + field.json();
                    }
                    body.put(field.json(), key);
                }
                putSetting(kind.id(), version(kind.id()), body).then().statusCode(200);
            }
            // rejected writes must not echo the key they carried
            Map<String, String> invalid = Map.of("provider", "custom", "model", MODEL, "baseUrl", "not a url",
                    "apiKey", plant("llm apiKey (rejected)", "LEAKCANARY-rejected-llm-key-51f0aa38"));
            putSetting("llm", version("llm"), invalid).then().statusCode(400);
            Map<String, String> stale = new LinkedHashMap<>(routing(ProviderKind.LLM));
            stale.put("apiKey", plant("llm apiKey (stale write)", "LEAKCANARY-stale-llm-key-0d27be91"));
            putSetting("llm", version("llm") - 1, stale).then().statusCode(412);
            // a save whose check finds the key invalid is refused (422, the check in the problem); the 401 echoed it
            Map<String, String> refused = new LinkedHashMap<>(routing(ProviderKind.LLM));
            refused.put("apiKey", plantKey(ProviderKind.LLM, "llm apiKey (refused by its check)",
                    "LEAKCANARY-refused-llm-key-5a0c2e84", Scenario.INVALID));
            putSetting("llm", version("llm"), refused).then().statusCode(422);
            // a live check carries a key to the provider and keeps nothing of it: an unknown key, then per kind the
            // stored key, a typed invalid key and a typed key without credit (Deepgram and ElevenLabs list projects
            // and voices without credit: ok)
            Map<String, String> checked = new LinkedHashMap<>(routing(ProviderKind.LLM));
            checked.put("apiKey", plantKey(ProviderKind.LLM, "llm apiKey (checked)", "LEAKCANARY-checked-llm-key-3c5e7a91",
                    Scenario.INVALID));
            checkOverRest(ProviderKind.LLM, checked, "invalid_key");
            for (ProviderKind kind : STAND_IN_KINDS) {
                checkOverRest(kind, routing(kind), "ok");
                Map<String, String> invalidKey = new LinkedHashMap<>(routing(kind));
                invalidKey.put("apiKey", plantKey(kind, kind.id() + " apiKey (checked, invalid)",
                        "LEAKCANARY-checked-invalid-" + kind.id() + "-key-71d3a0e6", Scenario.INVALID));
                checkOverRest(kind, invalidKey, "invalid_key");
                Map<String, String> noCredit = new LinkedHashMap<>(routing(kind));
                noCredit.put("apiKey", plantKey(kind, kind.id() + " apiKey (checked, no credit)",
                        "LEAKCANARY-checked-no-credit-" + kind.id() + "-key-2f84c9b1", Scenario.NO_CREDIT));
                checkOverRest(kind, noCredit, kind == ProviderKind.LLM ? "no_credit" : "ok");
            }
            // the fleet kinds have no live check: a check of typed secrets is validated, answered unverifiable
            // (no_check) and sends them nowhere
            for (ProviderKind kind : List.of(ProviderKind.LIVEKIT, ProviderKind.STORAGE, ProviderKind.TRACING)) {
                Map<String, String> typed = new LinkedHashMap<>(routing(kind));
                for (SettingField field : secretFields(kind)) {
                    typed.put(field.json(), plant(kind.id() + " " + field.json() + " (checked)",
                            canary(kind, field).replace("9c41e2d07b5a", "checked-5d0e")));
                }
                checkOverRest(kind, typed, "unverifiable");
            }
            // a key saved over its failed check (override, audited), then rolled back: it lives on in the version
            // history only, sealed
            Map<String, Object> stt = new LinkedHashMap<>(routing(ProviderKind.STT));
            stt.put("apiKey", plantKey(ProviderKind.STT, "stt apiKey (rolled back)",
                    "LEAKCANARY-rolled-back-stt-key-6e3c90f1", Scenario.INVALID));
            stt.put("checkOverride", Map.of("reason", "leak test: saved although the provider rejects it"));
            long version = version("stt");
            record("PUT /api/v1/settings/{kind}", "admin",
                    json(adminBearer, stt).header("If-Match", "\"" + version + "\""), "PUT", "/api/v1/settings/stt")
                    .then().statusCode(200);
            record("POST /api/v1/settings/{kind}/rollback", "admin",
                    given().auth().oauth2(adminBearer).contentType(ContentType.JSON)
                            .header("If-Match", "\"" + (version + 1) + "\""),
                    "POST", "/api/v1/settings/stt/rollback").then().statusCode(200);
        }

        /** {@code POST /api/v1/settings/{kind}/check}: 200 with {@code result}. */
        private void checkOverRest(ProviderKind kind, Map<String, String> body, String result) {
            record("POST /api/v1/settings/{kind}/check", "admin",
                    given().auth().oauth2(adminBearer).contentType(ContentType.JSON).body(body),
                    "POST", "/api/v1/settings/" + kind.id() + "/check").then().statusCode(200)
                    .body("result", org.hamcrest.Matchers.equalTo(result));
        }

        /**
         * A background round as the poll runs it, after each stand-in turned the stored key invalid: the result is
         * kept in {@code provider_checks} and its change audited. Each kind is made due first (the save's check
         * counts as its last one); the profile never polls, so nothing else claims it.
         */
        private void backgroundRound() {
            BackgroundChecks background = Arc.container().instance(BackgroundChecks.class).get();
            LastChecks lastChecks = Arc.container().instance(LastChecks.class).get();
            for (ProviderKind kind : STAND_IN_KINDS) {
                standIn(kind).key(planted.get(kind.id() + " apiKey"), Scenario.INVALID);
                lastChecks.release(kind);
                Optional<CheckOutcome> outcome = background.check(kind);
                assertThat(outcome).as(kind.id() + ": a background check ran").get()
                        .extracting(CheckOutcome::result).isEqualTo(CheckResult.INVALID_KEY);
            }
        }

        private void saveAndRollBackOnThePage() {
            Response form = page("GET /admin/settings/{kind}", "/admin/settings/llm");
            Map<String, String> fields = new LinkedHashMap<>(routing(ProviderKind.LLM));
            fields.put("apiKey", plantKey(ProviderKind.LLM, "llm apiKey (page)", "LEAKCANARY-page-llm-key-2b8d4f60",
                    Scenario.GOOD));
            postForm("POST /admin/settings/{kind}", form, "/admin/settings/llm", fields).then().statusCode(303);

            form = page("GET /admin/settings/{kind}", "/admin/settings/llm");
            Map<String, String> invalid = Map.of("provider", "custom", "model", MODEL, "baseUrl", "not a url",
                    "apiKey", plant("llm apiKey (page, rejected)", "LEAKCANARY-page-rejected-llm-key-7a1c3e5b"));
            typedBack("POST /admin/settings/{kind}", form, "/admin/settings/llm", invalid,
                    "llm apiKey (page, rejected)").then().statusCode(400);

            form = page("GET /admin/settings/{kind}", "/admin/settings/llm");
            Map<String, String> checked = new LinkedHashMap<>(routing(ProviderKind.LLM));
            checked.put("apiKey", plantKey(ProviderKind.LLM, "llm apiKey (page, checked)",
                    "LEAKCANARY-page-checked-llm-key-9d1f3b57", Scenario.INVALID));
            postForm("POST /admin/settings/{kind}/check", form, "/admin/settings/llm/check", checked)
                    .then().statusCode(200);
            // the Check key button of the other kinds, with the stored key
            for (ProviderKind kind : List.of(ProviderKind.STT, ProviderKind.TTS)) {
                form = page("GET /admin/settings/{kind}", "/admin/settings/" + kind.id());
                postForm("POST /admin/settings/{kind}/check", form, "/admin/settings/" + kind.id() + "/check",
                        routing(kind)).then().statusCode(200);
            }

            form = page("GET /admin/settings/{kind}", "/admin/settings/llm");
            postForm("POST /admin/settings/{kind}/rollback", form, "/admin/settings/llm/rollback",
                    Map.of("confirmed", "yes"))
                    .then().statusCode(303);
        }

        /** Users and API tokens over REST and on the page; returns the new viewer's bearer token. */
        private String usersAndTokens(String viewerEmail, String viewerPassword) {
            Response added = record("POST /api/v1/users", "admin", json(adminBearer,
                    Map.of("email", viewerEmail, "password", viewerPassword, "role", "viewer")), "POST", "/api/v1/users");
            added.then().statusCode(201);
            long viewerId = added.jsonPath().getLong("id");
            // the new viewer is enabled: enabling it again changes nothing (409 "already enabled")
            record("PATCH /api/v1/users/{id}", "admin", json(adminBearer, Map.of("disabled", false)),
                    "PATCH", "/api/v1/users/" + viewerId).then().statusCode(409);
            String wrong = plant("mistyped password", "LEAKCANARY-mistyped-password-93ad27");
            record("POST /api/v1/auth/token", "nobody", json(null, Map.of("email", viewerEmail, "password", wrong)),
                    "POST", "/api/v1/auth/token").then().statusCode(401);
            RequestSpecification login = Browser.Csrf.fetch().form().formParam("email", viewerEmail)
                    .formParam("password", wrong).formParam("next", "/admin/settings");
            record("POST /login", "nobody", login, "POST", "/login").then().statusCode(401);
            String viewerBearer = bearer("viewer", viewerEmail, viewerPassword);

            String pageUser = Browser.uniqueEmail("leak-page-user");
            Response users = page("GET /admin/users", "/admin/users");
            postForm("POST /admin/users", users, "/admin/users", Map.of("email", pageUser,
                    "password", plant("user password (page)", "LEAKCANARY-page-user-password-c0ffee12"),
                    "role", "viewer")).then().statusCode(303);
            users = page("GET /admin/users", "/admin/users");
            typedBack("POST /admin/users", users, "/admin/users", Map.of("email", "not an address",
                    "password", plant("user password (page, rejected)", "LEAKCANARY-page-user-password-rejected-5e"),
                    "role", "viewer"), "user password (page, rejected)").then().statusCode(400);
            pageUserId = given().auth().oauth2(adminBearer).get("/api/v1/users").jsonPath()
                    .getLong("find { it.email == '" + pageUser + "' }.id");
            users = page("GET /admin/users", "/admin/users");
            postForm("POST /admin/users/{id}", users, "/admin/users/" + pageUserId,
                    Map.of("action", "role", "role", "admin", "confirmed", "yes")).then().statusCode(303);

            Response created = json(adminBearer, Map.of("name", "leak-rest-token", "role", "viewer"))
                    .post("/api/v1/tokens");
            created.then().statusCode(201);
            String restToken = plant("API token (REST)", created.jsonPath().getString("token"));
            exchanges.add(exchange("POST /api/v1/tokens", "admin", "POST", "/api/v1/tokens", created,
                    Set.of("API token (REST)")));
            get("GET /api/v1/settings", "REST token", "/api/v1/settings", null, restToken);
            record("DELETE /api/v1/tokens/{id}", "admin", given().auth().oauth2(adminBearer),
                    "DELETE", "/api/v1/tokens/" + created.jsonPath().getLong("id")).then().statusCode(200);

            users = page("GET /admin/users", "/admin/users");
            Response shown = formRequest(users, Map.of("name", "leak-page-token", "role", "viewer"))
                    .post("/admin/users/tokens");
            shown.then().statusCode(200);
            Matcher token = NEW_TOKEN.matcher(shown.asString());
            assertThat(token.find()).as("the new token is shown once on the page").isTrue();
            plant("API token (page)", token.group(1).strip());
            exchanges.add(exchange("POST /admin/users/tokens", "admin", "POST", "/admin/users/tokens", shown,
                    Set.of("API token (page)")));
            pageTokenId = given().auth().oauth2(adminBearer).get("/api/v1/tokens").jsonPath()
                    .getLong("find { it.name == 'leak-page-token' && it.revokedAt == null }.id");
            users = page("GET /admin/users", "/admin/users");
            // the revoke step of the live token (once revoked, its step is a 409: nothing left to revoke)
            page("GET /admin/users/tokens/{id}/revoke", "/admin/users/tokens/" + pageTokenId + "/revoke");
            postForm("POST /admin/users/tokens/{id}/revoke", users, "/admin/users/tokens/" + pageTokenId + "/revoke",
                    Map.of("confirmed", "yes")).then().statusCode(303);
            return viewerBearer;
        }

        /**
         * Shared secrets (issue 19) over REST and on the page: a typed value, a generated one and one generated again
         * (both learnt from runtime-config, which alone may carry them), a value replaced, refused writes carrying a
         * value; every write route sent. The first is linked to the flow's target, so a run is planned too.
         */
        private void sharedSecrets() {
            String api = "/api/v1/shared-secrets";
            Response typed = record("POST " + api, "admin", json(adminBearer, Map.of("name", "leak-voxcore",
                    "variable", "LEAK_VOXCORE_SECRET", "targets", List.of(runtimeTargetId),
                    "value", plant("shared secret (typed)", "LEAKCANARY-shared-typed-5d2e8a17"))), "POST", api);
            typed.then().statusCode(201);
            sharedSecretId = typed.jsonPath().getLong("id");
            // a value planted, then rolled back from (REST, then on the page behind its step, then REST again): the
            // typed value is what is served in the end, and the planted one is nowhere
            String first = api + "/" + sharedSecretId;
            record("PUT " + api + "/{id}", "admin", json(adminBearer, Map.of("value",
                    plant("shared secret (rolled back from)", "LEAKCANARY-shared-rolledback-9c3e17")))
                    .header("If-Match", "\"1\""), "PUT", first).then().statusCode(200);
            record("POST " + api + "/{id}/rollback", "admin", json(adminBearer, Map.of("version", 1))
                    .header("If-Match", "\"2\""), "POST", first + "/rollback").then().statusCode(200);
            Response history = page("GET /admin/shared-secrets/{id}", "/admin/shared-secrets/" + sharedSecretId);
            Response step = postForm("POST /admin/shared-secrets/{id}/rollback", history,
                    "/admin/shared-secrets/" + sharedSecretId + "/rollback", Map.of("version", "3", "to", "2"));
            step.then().statusCode(200);
            postForm("POST /admin/shared-secrets/{id}/rollback", step,
                    "/admin/shared-secrets/" + sharedSecretId + "/rollback",
                    Map.of("version", "3", "to", "2", "confirmed", "yes")).then().statusCode(303);
            record("POST " + api + "/{id}/rollback", "admin", json(adminBearer, Map.of("version", 1))
                    .header("If-Match", "\"4\""), "POST", first + "/rollback").then().statusCode(200);
            record("POST " + api, "admin", json(adminBearer, Map.of("name", "Bad Name", "variable", "LEAK_BAD",
                    "value", plant("shared secret (rejected)", "LEAKCANARY-shared-rejected-3f70c2"))), "POST", api)
                    .then().statusCode(400);
            Response generated = record("POST " + api, "admin", json(adminBearer, Map.of("name", "leak-generated",
                    "variable", "LEAK_GENERATED_SECRET", "targets", List.of(runtimeTargetId))), "POST", api);
            generated.then().statusCode(201);
            plant("shared secret (generated)", servedValue("LEAK_GENERATED_SECRET"));

            Response replaced = record("POST " + api, "admin", json(adminBearer, Map.of("name", "leak-replaced",
                    "variable", "LEAK_REPLACED_SECRET", "targets", List.of(runtimeTargetId),
                    "value", plant("shared secret (replaced)", "LEAKCANARY-shared-replaced-8b41de"))), "POST", api);
            replaced.then().statusCode(201);
            String one = api + "/" + replaced.jsonPath().getLong("id");
            record("PUT " + api + "/{id}", "admin", json(adminBearer, Map.of("value",
                    plant("shared secret (stale write)", "LEAKCANARY-shared-stale-0e93a4")))
                    .header("If-Match", "\"9\""),
                    "PUT", one).then().statusCode(412);
            record("PUT " + api + "/{id}", "admin", json(adminBearer, Map.of("value",
                    plant("shared secret (put, then generated over)", "LEAKCANARY-shared-put-71c0f2")))
                    .header("If-Match", "\"1\""), "PUT", one).then().statusCode(200);
            record("POST " + api + "/{id}/generate", "admin", given().auth().oauth2(adminBearer)
                    .header("If-Match", "\"2\""), "POST", one + "/generate").then().statusCode(200);
            plant("shared secret (generated again)", servedValue("LEAK_REPLACED_SECRET"));

            Response list = page("GET /admin/shared-secrets", "/admin/shared-secrets");
            postForm("POST /admin/shared-secrets", list, "/admin/shared-secrets", Map.of("name", "leak-page",
                    "variable", "LEAK_PAGE_SECRET", "generate", "no", "targets", String.valueOf(runtimeTargetId),
                    "value", plant("shared secret (page)", "LEAKCANARY-shared-page-2a9c6e"))).then().statusCode(303);
            list = page("GET /admin/shared-secrets", "/admin/shared-secrets");
            typedBack("POST /admin/shared-secrets", list, "/admin/shared-secrets", Map.of("name", "leak-page-2",
                    "variable", "lower case", "generate", "no",
                    "value", plant("shared secret (page, rejected)", "LEAKCANARY-shared-page-rejected-44d1")),
                    "shared secret (page, rejected)").then().statusCode(400);
            long pageId = given().auth().oauth2(adminBearer).get(api).jsonPath()
                    .getLong("find { it.name == 'leak-page' }.id");
            String path = "/admin/shared-secrets/" + pageId;
            Response edit = page("GET /admin/shared-secrets/{id}", path);
            postForm("POST /admin/shared-secrets/{id}", edit, path, Map.of("name", "leak-page",
                    "variable", "LEAK_PAGE_SECRET", "value", "", "targets", String.valueOf(runtimeTargetId)))
                    .then().statusCode(303);
            edit = page("GET /admin/shared-secrets/{id}", path);
            // the save above changed nothing, so it is still version 1: a form of version 0 is stale
            postForm("POST /admin/shared-secrets/{id}/generate", edit, path + "/generate", Map.of("version", "0"))
                    .then().statusCode(409);
        }

        /**
         * Provider entries (issue 19): an STT fallback added with a planted key, refused writes carrying one (bad
         * provider, stale If-Match), its key replaced, disabled and enabled, made primary and back again (each key sealed
         * again under its new place), every route sent; deleted after runtime-config was fetched.
         */
        private void providerEntries() {
            String api = "/api/v1/settings/stt/providers";
            Response created = record("POST /api/v1/settings/{kind}/providers", "admin", json(adminBearer,
                    Map.of("provider", "soniox", "model", "stt-rt-preview", "apiKey",
                            plant("stt fallback apiKey (REST)", "LEAKCANARY-entry-rest-6b1f0d42"))), "POST", api);
            created.then().statusCode(201);
            providerEntryId = created.jsonPath().getLong("id");
            String one = api + "/" + providerEntryId;
            record("POST /api/v1/settings/{kind}/providers", "admin", json(adminBearer, Map.of("provider", "nope",
                    "model", "m", "apiKey", plant("stt fallback apiKey (rejected)", "LEAKCANARY-entry-bad-93c7e1"))),
                    "POST", api).then().statusCode(400);
            record("PUT /api/v1/settings/{kind}/providers/{id}", "admin", json(adminBearer, Map.of("provider",
                    "soniox", "model", "stt-rt-preview", "apiKey", plant("stt fallback apiKey (stale write)",
                            "LEAKCANARY-entry-stale-2d8a55"))).header("If-Match", "\"9\""), "PUT", one)
                    .then().statusCode(412);
            record("PUT /api/v1/settings/{kind}/providers/{id}", "admin", json(adminBearer, Map.of("provider",
                    "soniox", "model", "stt-rt-preview", "apiKey", plant(SERVED_ENTRY,
                            "LEAKCANARY-entry-replaced-40e6bb"))).header("If-Match", "\"1\""), "PUT", one)
                    .then().statusCode(200);
            record("PUT /api/v1/settings/{kind}/providers/{id}", "admin", json(adminBearer, Map.of("enabled", false))
                    .header("If-Match", "\"2\""), "PUT", one).then().statusCode(200);
            record("PUT /api/v1/settings/{kind}/providers/{id}", "admin", json(adminBearer, Map.of("enabled", true))
                    .header("If-Match", "\"3\""), "PUT", one).then().statusCode(200);
            long primaryVersion = given().auth().oauth2(adminBearer).get("/api/v1/settings/stt").jsonPath()
                    .getLong("version");
            record("POST /api/v1/settings/{kind}/providers/{id}/primary", "admin", json(adminBearer,
                    Map.of("primaryVersion", primaryVersion)).header("If-Match", "\"4\""), "POST", one + "/primary")
                    .then().statusCode(200);
            record("POST /api/v1/settings/{kind}/providers/{id}/primary", "admin", json(adminBearer,
                    Map.of("primaryVersion", primaryVersion + 1)).header("If-Match", "\"5\""), "POST",
                    one + "/primary").then().statusCode(200);
            record("POST /api/v1/settings/{kind}/providers/{id}/rollback", "admin", given().auth()
                    .oauth2(adminBearer).header("If-Match", "\"99\""), "POST", one + "/rollback").then()
                    .statusCode(412);
        }

        /**
         * A fallback added, refused (its typed key shown back in that answer only), edited, moved, disabled and
         * deleted on the settings page (its make-primary refused: it is disabled then); deleted before
         * runtime-config is fetched, so its key is never served.
         */
        private void providerEntriesOnThePage() {
            String pages = "/admin/settings/stt/providers";
            Response form = page("GET /admin/settings/{kind}/providers/new", pages + "/new");
            typedBack("POST /admin/settings/{kind}/providers", form, pages, Map.of("provider", "nope", "model", "m",
                    "apiKey", plant("stt fallback apiKey (page, rejected)", "LEAKCANARY-entry-page-bad-71d2e0")),
                    "stt fallback apiKey (page, rejected)").then().statusCode(400);
            postForm("POST /admin/settings/{kind}/providers", form, pages, Map.of("provider", "custom", "model",
                    "leak-stt", "baseUrl", "http://127.0.0.1:9/stt", "apiKey",
                    plant("stt fallback apiKey (page)", "LEAKCANARY-entry-page-5e0c7a19"))).then().statusCode(303);
            long id = given().auth().oauth2(adminBearer).get("/api/v1/settings/stt/providers").jsonPath()
                    .getLong("find { it.provider == 'custom' }.id");
            String one = pages + "/" + id;
            Response edit = page("GET /admin/settings/{kind}/providers/{id}", one);
            postForm("POST /admin/settings/{kind}/providers/{id}", edit, one, Map.of("provider", "custom", "model",
                    "leak-stt-2", "baseUrl", "http://127.0.0.1:9/stt", "apiKey", "")).then().statusCode(303);
            postForm("POST /admin/settings/{kind}/providers/{id}/move", edit, one + "/move",
                    Map.of("version", "2", "direction", "up", "confirmed", "yes")).then().statusCode(303);
            postForm("POST /admin/settings/{kind}/providers/{id}/enabled", edit, one + "/enabled",
                    Map.of("version", "3", "enabled", "false", "confirmed", "yes")).then().statusCode(303);
            postForm("POST /admin/settings/{kind}/providers/{id}/primary", edit, one + "/primary",
                    Map.of("version", "4")).then().statusCode(409);
            postForm("POST /admin/settings/{kind}/providers/{id}/rollback", edit, one + "/rollback",
                    Map.of("version", "99")).then().statusCode(400);
            postForm("POST /admin/settings/{kind}/providers/{id}/delete", edit, one + "/delete",
                    Map.of("version", "4", "confirmed", "yes")).then().statusCode(303);
        }

        /**
         * What runtime-config serves as {@code variable} now to a runtime of the flow's target (every shared secret
         * the flow serves lists it): how a generated value is learnt.
         */
        private static String servedValue(String variable) {
            String value = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN)
                    .header("X-Keyhouse-Runtime", "leak-fleet-1").get("/api/v1/internal/runtime-config")
                    .then().statusCode(200).extract().jsonPath().getString("env." + variable);
            assertThat(value).as(variable + " is served").isNotBlank();
            return value;
        }

        /**
         * After runtime-config was fetched: every shared secret the flow made is deleted (REST, and on the page behind
         * its confirmation form), so later test classes in this database are served none of them.
         */
        private void deleteSharedSecrets() {
            String api = "/api/v1/shared-secrets";
            long pageId = given().auth().oauth2(adminBearer).get(api).jsonPath()
                    .getLong("find { it.name == 'leak-page' }.id");
            String path = "/admin/shared-secrets/" + pageId;
            Response edit = page("GET /admin/shared-secrets/{id}", path);
            Response confirm = postForm("POST /admin/shared-secrets/{id}/delete", edit, path + "/delete", Map.of());
            confirm.then().statusCode(200);
            postForm("POST /admin/shared-secrets/{id}/delete", confirm, path + "/delete", Map.of("confirmed", "yes"))
                    .then().statusCode(303);
            for (Map<String, Object> secret : given().auth().oauth2(adminBearer).get(api).jsonPath()
                    .<Map<String, Object>>getList("")) {
                if (String.valueOf(secret.get("name")).startsWith("leak-")) {
                    record("DELETE " + api + "/{id}", "admin", given().auth().oauth2(adminBearer)
                            .header("If-Match", "\"" + secret.get("version") + "\""), "DELETE", api + "/" + secret.get("id"))
                            .then().statusCode(204);
                }
            }
        }

        /** Targets whose restarts every later save triggers: one with a secret over REST, one on the page. */
        private void registerRuntimeTargets() {
            Map<String, Object> body = Map.of("name", "leak-fleet", "driver", "recording", "dependsOn", List.of("llm"),
                    "config", Map.of("runtimes", "2",
                            "token", plant("runtime target token (REST)", "LEAKCANARY-runtime-token-4b7e19d2")));
            Response created = record("POST /api/v1/runtimes", "admin", json(adminBearer, body), "POST", "/api/v1/runtimes");
            created.then().statusCode(201);
            runtimeTargetId = created.jsonPath().getLong("id");
            // a rejected target must not echo the secret it carried
            Map<String, Object> invalid = Map.of("name", "bad name", "driver", "recording", "config",
                    Map.of("token", plant("runtime target token (rejected)", "LEAKCANARY-rejected-runtime-token-70ce")));
            record("POST /api/v1/runtimes", "admin", json(adminBearer, invalid), "POST", "/api/v1/runtimes")
                    .then().statusCode(400);
            Response page = page("GET /admin/runtimes", "/admin/runtimes?driver=command");
            postForm("POST /admin/runtimes", page, "/admin/runtimes", Map.of("name", "leak-command", "driver", "command",
                    "dependsOn", "llm", "enabled", "true", "config.command", "true")).then().statusCode(303);
        }

        /** Every runtimes write, on the page and over REST, with a secret replaced each way; runs awaited. */
        private void editAndRestartRuntimeTargets() {
            String target = "/api/v1/runtimes/" + runtimeTargetId;
            record("PUT /api/v1/runtimes/{id}", "admin", json(adminBearer, Map.of("config", Map.of("token",
                    plant("runtime target token (replaced)", "LEAKCANARY-runtime-token-replaced-8d1f")))), "PUT", target)
                    .then().statusCode(200);
            Response started = record("POST /api/v1/runtimes/{id}/restart", "admin",
                    given().auth().oauth2(adminBearer).contentType(ContentType.JSON), "POST", target + "/restart");
            started.then().statusCode(202);
            restartRunId = started.jsonPath().getLong("id");
            awaitRestart(restartRunId);
            given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN).header("X-Keyhouse-Runtime", "leak-fleet-1")
                    .get("/api/v1/internal/runtime-config").then().statusCode(200);
            // a status report, and one refused because its detail carries a secret: the 400 names detail, never the value
            RequestSpecification status = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN)
                    .header("X-Keyhouse-Runtime", "leak-fleet-1").contentType(ContentType.JSON);
            record("POST /api/v1/internal/runtime-status", "runtime", status.body(Map.of("version", 1,
                    "status", "failing", "detail", "invalid_key")), "POST", "/api/v1/internal/runtime-status")
                    .then().statusCode(204);
            status = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN)
                    .header("X-Keyhouse-Runtime", "leak-fleet-1").contentType(ContentType.JSON);
            record("POST /api/v1/internal/runtime-status", "runtime", status.body(Map.of("version", 1,
                    "status", "failing", "detail", "key " + plant("runtime status detail (refused)",
                            "LEAKCANARY-runtime-status-detail-6e0b"))), "POST", "/api/v1/internal/runtime-status")
                    .then().statusCode(400);

            String pagePath = "/admin/runtimes/" + runtimeTargetId;
            Response form = page("GET /admin/runtimes/{id}", pagePath);
            postForm("POST /admin/runtimes/{id}", form, pagePath, Map.of("name", "leak-fleet", "dependsOn", "llm",
                    "enabled", "true", "config.runtimes", "2",
                    "config.token", plant("runtime target token (page)", "LEAKCANARY-runtime-token-page-2c9a51")))
                    .then().statusCode(303);
            form = page("GET /admin/runtimes/{id}", pagePath);
            typedBack("POST /admin/runtimes/{id}", form, pagePath, Map.of("name", "leak fleet", "config.token",
                    plant("runtime target token (page, rejected)", "LEAKCANARY-runtime-token-page-rejected-11")),
                    "runtime target token (page, rejected)").then().statusCode(400);
            form = page("GET /admin/runtimes", "/admin/runtimes");
            Response restarted = postForm("POST /admin/runtimes/{id}/restart", form, pagePath + "/restart",
                    Map.of("confirmed", "yes"));
            restarted.then().statusCode(303);
            String runPage = restarted.header("Location");
            long pageRun = Long.parseLong(runPage.substring(runPage.lastIndexOf('/') + 1));
            awaitRestart(pageRun);
            // a rollout's controls on a finished (manual) run: each refused with 409, on the page and over REST
            Response runForm = page("GET /admin/restarts/{id}", runPage);
            for (String control : List.of("pause", "resume", "continue", "abort")) {
                postForm("POST /admin/restarts/{id}/" + control, runForm, runPage + "/" + control,
                        Map.of("confirmed", "yes")).then().statusCode(409);
                record("POST /api/v1/restarts/{id}/" + control, "admin", given().auth().oauth2(adminBearer),
                        "POST", "/api/v1/restarts/" + pageRun + "/" + control).then().statusCode(409);
            }
            // the target is enabled: enabling it again changes nothing and is refused (409 "already enabled")
            postForm("POST /admin/runtimes/{id}/enabled", form, pagePath + "/enabled", Map.of("enabled", "true"))
                    .then().statusCode(409);
            // rollout settings and hold/release (issue 16), over REST and on the page; released again, so later
            // saves still plan its restarts. The page holds at once only a target in no rollout under way (else it
            // asks first): the rollouts the flow's saves started have their verdict first, however slow the machine
            awaitNoOpenRun();
            record("PUT /api/v1/runtimes/{id}", "admin", json(adminBearer, Map.of("canary", false,
                    "confirmation", "auto")), "PUT", target).then().statusCode(200);
            record("POST /api/v1/runtimes/{id}/hold", "admin", given().auth().oauth2(adminBearer), "POST",
                    target + "/hold").then().statusCode(200);
            record("POST /api/v1/runtimes/{id}/release", "admin", given().auth().oauth2(adminBearer), "POST",
                    target + "/release").then().statusCode(200);
            form = page("GET /admin/runtimes/{id}", pagePath);
            postForm("POST /admin/runtimes/{id}/hold", form, pagePath + "/hold", Map.of()).then().statusCode(303);
            form = page("GET /admin/runtimes/{id}", pagePath);
            postForm("POST /admin/runtimes/{id}/release", form, pagePath + "/release", Map.of()).then().statusCode(303);
            long command = given().auth().oauth2(adminBearer).get("/api/v1/runtimes").jsonPath()
                    .getLong("find { it.name == 'leak-command' }.id");
            postForm("POST /admin/runtimes/{id}/delete", form, "/admin/runtimes/" + command + "/delete",
                    Map.of("confirmed", "yes"))
                    .then().statusCode(303);
            Response spare = json(adminBearer, Map.of("name", "leak-spare", "driver", "command", "enabled", false,
                    "config", Map.of("command", "true"))).post("/api/v1/runtimes");
            spare.then().statusCode(201);
            record("DELETE /api/v1/runtimes/{id}", "admin", given().auth().oauth2(adminBearer), "DELETE",
                    "/api/v1/runtimes/" + spare.jsonPath().getLong("id")).then().statusCode(204);
        }

        /** Until every run the flow started has ended (the newest 50 runs, as {@code GET /api/v1/restarts} lists). */
        private void awaitNoOpenRun() {
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                List<Object> open = given().auth().oauth2(adminBearer).get("/api/v1/restarts").then().statusCode(200)
                        .extract().jsonPath().getList("findAll { !it.finished }.id");
                if (open.isEmpty()) {
                    return;
                }
                sleep();
            }
            throw new AssertionError("a restart run did not finish in 90 s");
        }

        private void awaitRestart(long id) {
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                Boolean finished = given().auth().oauth2(adminBearer).get("/api/v1/restarts/" + id)
                        .then().statusCode(200).extract().path("finished");
                if (Boolean.TRUE.equals(finished)) {
                    return;
                }
                sleep();
            }
            throw new AssertionError("restart run " + id + " did not finish in 90 s");
        }

        /**
         * A re-encryption job with every secret stored: its API and page answers are searched like any other. Every
         * planted value is under the current key, so a job has nothing to re-encrypt and is refused (409); a value
         * sealed under a key configured nowhere (as by an earlier deployment) gives it work: the job cannot open it
         * and records the failure, whose reason is searched too, and Retry has that failure to retry. The value is
         * deleted after.
         */
        private void rotateWithEverySecretStored() {
            String api = "/api/v1/admin/rotate-credentials";
            record("POST " + api, "admin", given().auth().oauth2(adminBearer).contentType("application/json"), "POST",
                    api).then().statusCode(409);
            try (var orphan = dev.keyhouse.rotation.UnknownKeyValue.insert(Arc.container().instance(DataSource.class)
                    .get(), "leak/unknown-key")) {
                Response started = record("POST " + api, "admin", given().auth().oauth2(adminBearer)
                        .contentType("application/json"), "POST", api);
                started.then().statusCode(202);
                rotationJobId = started.jsonPath().getLong("id");
                awaitJob(rotationJobId);
                record("POST " + api + "/{id}/retry-failed", "admin", given().auth().oauth2(adminBearer)
                        .contentType("application/json"), "POST", api + "/" + rotationJobId + "/retry-failed")
                        .then().statusCode(202);
                awaitNoJobRunning();
                String csrf = Browser.csrfOf(adminSession);
                record("POST /admin/rotate-credentials", "admin",
                        Browser.signedInForm(adminSession, csrf), "POST", "/admin/rotate-credentials");
                awaitNoJobRunning();
                record("POST /admin/rotate-credentials/{id}/retry-failed", "admin",
                        Browser.signedInForm(adminSession, csrf), "POST",
                        "/admin/rotate-credentials/" + rotationJobId + "/retry-failed");
                awaitNoJobRunning();
            }
        }

        private void awaitJob(long id) {
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                String state = given().auth().oauth2(adminBearer).get("/api/v1/admin/rotate-credentials/" + id)
                        .then().statusCode(200).extract().path("state");
                if (!"running".equals(state)) {
                    return;
                }
                sleep();
            }
            throw new AssertionError("rotation job " + id + " did not finish in 90 s");
        }

        private void awaitNoJobRunning() {
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                List<String> states = given().auth().oauth2(adminBearer).get("/api/v1/admin/rotate-credentials")
                        .then().statusCode(200).extract().path("jobs.state");
                if (states == null || !states.contains("running")) {
                    return;
                }
                sleep();
            }
            throw new AssertionError("a rotation job was still running after 90 s");
        }

        private static void sleep() {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private void fetchRuntimeConfig() {
            for (String url : List.of("/api/v1/internal/runtime-config", "/api/v1/internal/runtime-config?format=env")) {
                // a runtime of the flow's target, which every served shared secret lists
                Response response = given().auth().oauth2(TestSettings.RUNTIME_CONFIG_TOKEN)
                        .header("X-Keyhouse-Runtime", "leak-fleet-1").get(url);
                response.then().statusCode(200);
                runtimeConfig.add(exchange("GET /api/v1/internal/runtime-config", "runtime", "GET", url, response, Set.of()));
            }
        }

        /** Every concrete URL of a GET route: its path parameters filled with real values, plus its queries. */
        private static List<String> urls(String route) {
            List<String> paths = new ArrayList<>(List.of(route.substring(4)));
            Matcher m = TEMPLATE.matcher(route);
            while (m.find()) {
                // {id} names the re-encryption job, runtime target or restart run the flow made; the other
                // parameters are fixed values
                List<String> values = m.group(1).equals("id") ? ids(route) : PATH_VALUES.get(m.group(1));
                assertThat(values).as(route + " has the path parameter {" + m.group(1) + "}: give the leak test "
                        + "real values for it in LeakTest.PATH_VALUES").isNotNull();
                List<String> filled = new ArrayList<>();
                for (String path : paths) {
                    values.forEach(v -> filled.add(path.replace(m.group(), v)));
                }
                paths = filled;
            }
            List<String> urls = new ArrayList<>(paths);
            for (String query : QUERIES.getOrDefault(route, List.of())) {
                urls.add(paths.get(0) + query);
            }
            return urls;
        }

        private static List<String> ids(String route) {
            if (route.contains("rotate-credentials")) {
                return List.of(String.valueOf(rotationJobId));
            }
            if (route.contains("/runtimes/")) {
                return List.of(String.valueOf(runtimeTargetId));
            }
            if (route.contains("/restarts/")) {
                return List.of(String.valueOf(restartRunId));
            }
            if (route.contains("/shared-secrets/")) {
                return List.of(String.valueOf(sharedSecretId));
            }
            if (route.contains("/providers/")) {
                return List.of(String.valueOf(providerEntryId));
            }
            if (route.contains("/users/tokens/")) {
                return List.of(String.valueOf(pageTokenId));
            }
            if (route.contains("/users/")) {
                return List.of(String.valueOf(pageUserId));
            }
            return null;
        }

        private String signIn(String who, String email, String password) {
            RequestSpecification login = Browser.Csrf.fetch().form().formParam("email", email)
                    .formParam("password", password).formParam("next", "/admin/settings");
            Response response = record("POST /login", who, login, "POST", "/login");
            response.then().statusCode(303);
            return response.getCookie(SessionTokens.SESSION_COOKIE);
        }

        private String bearer(String who, String email, String password) {
            Response response = record("POST /api/v1/auth/token", who,
                    json(null, Map.of("email", email, "password", password)), "POST", "/api/v1/auth/token");
            response.then().statusCode(200);
            return response.jsonPath().getString("access_token");
        }

        private long version(String kind) {
            Response response = get("GET /api/v1/settings/{kind}", "admin", "/api/v1/settings/" + kind, null, adminBearer);
            response.then().statusCode(200);
            return Long.parseLong(response.header("ETag").replace("\"", ""));
        }

        private Response putSetting(String kind, long version, Map<String, String> body) {
            return record("PUT /api/v1/settings/{kind}", "admin",
                    json(adminBearer, body).header("If-Match", "\"" + version + "\""), "PUT", "/api/v1/settings/" + kind);
        }

        private Response page(String route, String url) {
            Response response = get(route, "admin", url, adminSession, adminBearer);
            response.then().statusCode(200);
            return response;
        }

        /**
         * A refused form carrying the planted value {@code typed}: the one answer allowed to carry it, in its field
         * (issue 20, point 7); {@link #aTypedSecretIsShownBackOnlyInTheRefusalOfItsOwnPost} checks it is there, and
         * every other search that it is nowhere else. The next GET of the page follows, searched as every page is.
         */
        private Response typedBack(String route, Response form, String action, Map<String, String> fields,
                String typed) {
            Response response = formRequest(form, fields).post(action);
            exchanges.add(exchange(route, "admin", "POST", action, response, Set.of(typed)));
            // a fallback's add form posts to the kind's fallbacks, and is itself at …/providers/new
            String shown = action.matches("/admin/settings/[a-z]+/providers") ? action + "/new" : action;
            page("GET " + pageRoute(shown), shown);
            return response;
        }

        /** The GET route of the page a form posts to (its action is the page's own path). */
        private static String pageRoute(String action) {
            return action.replaceFirst("^/admin/settings/[a-z]+$", "/admin/settings/{kind}")
                    .replaceFirst("^/admin/settings/[a-z]+/providers/new$", "/admin/settings/{kind}/providers/new")
                    .replaceFirst("^/admin/runtimes/[0-9]+$", "/admin/runtimes/{id}");
        }

        /** A form posted the way a browser does after loading {@code form}: its CSRF pair and, if any, its version. */
        private Response postForm(String route, Response form, String action, Map<String, String> fields) {
            return record(route, "admin", formRequest(form, fields), "POST", action);
        }

        private RequestSpecification formRequest(Response form, Map<String, String> fields) {
            String html = form.asString();
            RequestSpecification request = given().redirects().follow(false).contentType(ContentType.URLENC)
                    .cookie(SessionTokens.SESSION_COOKIE, adminSession).cookies(form.getCookies())
                    .formParam("csrf-token", Browser.tokenIn(html));
            Matcher version = Pattern.compile("name=\"version\" value=\"(\\d+)\"").matcher(html);
            if (version.find() && !fields.containsKey("version")) {
                request.formParam("version", version.group(1));
            }
            fields.forEach(request::formParam);
            return request;
        }

        /** Health and metrics on the management port, after every secret was stored and rotated; the API description. */
        private void fetchOperationalEndpoints() {
            for (String path : ManagementInterfaceTest.OPERATIONAL) {
                Response response = Management.given().redirects().follow(false).get(path);
                operational.add(exchange("management " + path, "anyone", "GET", path, response, Set.of()));
            }
            for (String path : List.of("/q/openapi", "/q/openapi?format=json", "/q/swagger-ui/")) {
                Response response = given().redirects().follow(true).auth().oauth2(adminBearer).get(path);
                operational.add(exchange(path, "admin", "GET", path, response, Set.of()));
            }
        }

        private Response get(String route, String who, String url, String session, String bearer) {
            RequestSpecification request = given().redirects().follow(false);
            if (url.startsWith("/api/")) {
                request.auth().oauth2(bearer);
            } else if (session != null) {
                request.cookie(SessionTokens.SESSION_COOKIE, session);
            }
            return record(route, who, request, "GET", url);
        }

        private static RequestSpecification json(String bearer, Map<String, ?> body) {
            RequestSpecification request = given().redirects().follow(false).contentType(ContentType.JSON).body(body);
            return bearer == null ? request : request.auth().oauth2(bearer);
        }

        private Response record(String route, String who, RequestSpecification request, String method, String url) {
            Response response = request.redirects().follow(false).request(method, url);
            exchanges.add(exchange(route, who, method, url, response, Set.of()));
            return response;
        }

        private static Exchange exchange(String route, String who, String method, String url, Response response,
                Set<String> mayCarry) {
            String text = response.getStatusLine() + "\n" + response.getHeaders() + "\n\n" + response.asString();
            return new Exchange(route, who, method, url, response.statusCode(), text, mayCarry);
        }
    }

    /** The non-secret fields of a valid setting of each kind. */
    static Map<String, String> routing(ProviderKind kind) {
        switch (kind) {
            case LLM:
                return Map.of("provider", "openai", "model", MODEL, "baseUrl", OPENAI.baseUrl());
            case STT:
                return Map.of("provider", "deepgram", "model", "nova-3", "language", "en-US", "baseUrl", DEEPGRAM.url());
            case TTS:
                return Map.of("provider", "elevenlabs", "voice", "Rachel", "model", "eleven_multilingual_v2",
                        "baseUrl", ELEVENLABS.url());
            case TELEPHONY:
                return Map.of("provider", "twilio", "accountSid", "AC0123456789abcdef0123456789abcdef",
                        "apiKeySid", "SK0123456789abcdef0123456789abcdef",
                        "fromNumber", "+14155550100", "whatsappFrom", "whatsapp:+14155550101");
            case LIVEKIT:
                return Map.of("provider", "livekit", "url", "wss://livekit.leak.invalid");
            case STORAGE:
                return Map.of("provider", "minio", "endpoint", "http://minio.leak.invalid:9000", "region", "us-east-1",
                        "bucket", "leak-test-bucket");
            case TRACING:
                return Map.of("provider", "otlp", "endpoint", "http://otel.leak.invalid:4318",
                        "protocol", "http/protobuf");
            default:
                throw new IllegalArgumentException("the leak test has no valid setting of kind " + kind.id()
                        + ": add one to LeakTest.routing");
        }
    }

    /**
     * The stand-in a kind's check reaches through its setting's base URL; null for telephony, whose Twilio check has
     * no base URL field and so cannot be pointed at one (its echo of keys and the auth token: TwilioCheckTest).
     */
    static StandIn standIn(ProviderKind kind) {
        return switch (kind) {
            case LLM -> OPENAI;
            case STT -> DEEPGRAM;
            case TTS -> ELEVENLABS;
            default -> null;
        };
    }

    /** Every secret field of a kind: all are planted, searched for and expected in the runtime config. */
    static List<SettingField> secretFields(ProviderKind kind) {
        return kind.secretFields();
    }

    /**
     * A distinct planted value for a secret field, in the shape its rules accept: a Twilio auth token is 32 hex
     * digits, so it cannot spell LEAKCANARY; OTLP headers are {@code name=value}; every other secret is LEAKCANARY-….
     */
    static String canary(ProviderKind kind, SettingField field) {
        if (field == SettingField.AUTH_TOKEN) {
            return "1eacca4a2e9c41e2d07b5a0f3e2d1c0b";
        }
        if (field == SettingField.HEADERS) {
            // the OTLP exporter's key1=value1 form
            return "x-leak-canary=LEAKCANARY-" + kind.id() + "-" + field.json() + "-9c41e2d07b5a";
        }
        return "LEAKCANARY-" + kind.id() + "-" + field.json() + "-9c41e2d07b5a";
    }

    /** {@code "<planted name> in <where>"} for every planted value the text holds, but those it may carry. */
    static List<String> hits(Map<String, String> planted, String text, Set<String> mayCarry, String where) {
        List<String> hits = new ArrayList<>();
        planted.forEach((name, value) -> {
            if (!mayCarry.contains(name) && text.contains(value)) {
                hits.add(name + " in " + where);
            }
        });
        return hits;
    }
}
