package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.keyhouse.Profiles;
import dev.keyhouse.auth.LogCapture;
import dev.keyhouse.checks.CheckOutcome;
import dev.keyhouse.checks.CheckResult;
import dev.keyhouse.checks.CheckTarget;
import dev.keyhouse.checks.Checks;
import dev.keyhouse.checks.OpenAiCheck;
import dev.keyhouse.checks.OpenAiStandIn;
import dev.keyhouse.checks.ProviderCall;
import dev.keyhouse.checks.ProviderCheck;
import dev.keyhouse.checks.ProviderChecks;
import dev.keyhouse.checks.ProxyStandIn;
import dev.keyhouse.checks.RedirectingServer;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.checks.Verdict;
import dev.keyhouse.egress.Egress;
import dev.keyhouse.egress.EgressProxy;
import dev.keyhouse.runtimes.SecretForms;
import dev.keyhouse.settings.ProviderKind;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * Issue 15: nothing leaks from a live key check at DEBUG. Against an {@link OpenAiStandIn} that echoes every key it
 * gets (in the body and a header), the application's {@link ProviderChecks} and checks built on the application's
 * {@link Egress} (direct, and through a {@link ProxyStandIn} with Basic credentials, a key in a query as Google's
 * travels, a redirect, a refused tunnel, an unreachable port) run with the root log level at DEBUG; then every record
 * (before the console's mask) and the log file are searched for each key, the proxy credentials and their Basic form
 * in every encoding ({@link SecretForms}). Apache HttpClient 5, whose headers, wire and exec categories would write
 * them, must stay silent below INFO.
 */
@QuarkusTest
@TestProfile(Profiles.DebugLog.class)
class ProviderCheckLogLeakTest {

    private static final String PROXY_USER = "kh-egress-leak";
    private static final String PROXY_PASSWORD = "Leak-Pr0xy-pass@word";

    @Inject
    ProviderChecks checks;

    @Inject
    Egress egress;

    /** A Google-like check: the key in the query ({@code ?key=}), as Gemini's API allows. */
    static final class QueryKeyCheck implements ProviderCheck {
        @Override
        public ProviderKind kind() {
            return ProviderKind.LLM;
        }

        @Override
        public Set<String> providers() {
            return Set.of("google");
        }

        @Override
        public List<ProviderCall> calls(CheckTarget target) {
            return List.of(ProviderCall.get(URI.create(target.value("baseUrl") + "/models?key=" + target.value("apiKey")),
                    Map.of("Accept", "application/json")));
        }

        @Override
        public Verdict classify(ProviderCall call, int status, JsonNode body) {
            return Verdict.of(status == 200 ? CheckResult.OK : CheckResult.INVALID_KEY);
        }

        @Override
        public String proves() {
            return "a test's query-key check";
        }
    }

    private static CheckTarget target(String provider, String baseUrl, String key) {
        return Checks.target(ProviderKind.LLM, provider, Set.of("apiKey"), "baseUrl", baseUrl, "apiKey", key);
    }

    @Test
    void noKeyOrProxyCredentialIsLoggedAtDebug() throws Exception {
        Map<String, String> planted = new LinkedHashMap<>();
        String log;
        try (LogCapture capture = LogCapture.installFirst();
                OpenAiStandIn openai = new OpenAiStandIn();
                ProxyStandIn proxy = new ProxyStandIn(openai)) {
            openai.echoKeys();
            proxy.requireCredentials(PROXY_USER, PROXY_PASSWORD);
            planted.put("the proxy password", PROXY_PASSWORD);
            planted.put("the proxy's user:password", PROXY_USER + ":" + PROXY_PASSWORD);
            planted.put("the proxy's Basic value", Base64.getEncoder().encodeToString(
                    (PROXY_USER + ":" + PROXY_PASSWORD).getBytes(StandardCharsets.UTF_8)));

            // the application's checks, direct: every answer echoes the key
            for (Scenario scenario : List.of(Scenario.GOOD, Scenario.INVALID, Scenario.NO_CREDIT, Scenario.SCOPED,
                    Scenario.RATE_LIMITED, Scenario.SERVER_ERROR)) {
                String key = openai.key(scenario);
                planted.put("a " + scenario + " key", key);
                checks.check(target("openai", openai.baseUrl(), key));
            }

            // through the proxy: http in absolute form, https as a CONNECT the stand-in refuses, with a 407 first
            String proxyUrl = "http://" + PROXY_USER + ":Leak-Pr0xy-pass%40word@127.0.0.1:" + proxy.port();
            ProviderChecks proxied = new ProviderChecks(List.of(new OpenAiCheck(), new QueryKeyCheck()),
                    egress.through(EgressProxy.of(proxyUrl, proxyUrl, null)), Checks.TIMEOUT);
            for (String baseUrl : List.of("http://api.openai.test/v1", "https://api.openai.test/v1")) {
                String key = openai.key(Scenario.INVALID);
                planted.put("a key through the proxy to " + baseUrl, key);
                proxied.check(target("openai", baseUrl, key));
            }
            ProviderChecks direct = new ProviderChecks(List.of(new OpenAiCheck(), new QueryKeyCheck()), egress,
                    Checks.TIMEOUT);
            // a key in the query, direct and through the proxy; and to a port where nothing listens
            int closed;
            try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                    java.net.InetAddress.getLoopbackAddress())) {
                closed = socket.getLocalPort();
            }
            // (no name is looked up directly: a test's DNS query would leave the machine)
            Map<String, List<String>> ways = Map.of(
                    "direct", List.of(openai.baseUrl(), "http://127.0.0.1:" + closed + "/v1beta"),
                    "proxied", List.of(openai.baseUrl(), "http://generativelanguage.test/v1beta"));
            for (Map.Entry<String, List<String>> way : ways.entrySet()) {
                for (String baseUrl : way.getValue()) {
                    String key = "AIzaSy" + Long.toHexString(Double.doubleToLongBits(Math.random())) + "QueryKey"
                            + way.getKey().length() + baseUrl.length();
                    planted.put("a query key " + way.getKey() + " to " + baseUrl, key);
                    (way.getKey().equals("direct") ? direct : proxied).check(target("google", baseUrl, key));
                }
            }
            // a redirect, never followed
            try (RedirectingServer moved = new RedirectingServer(openai.baseUrl())) {
                String key = openai.key(Scenario.GOOD);
                planted.put("a key answered with a redirect", key);
                CheckOutcome outcome = direct.check(target("openai", moved.url() + "/v1", key));
                assertThat(outcome.result()).isEqualTo(CheckResult.UNEXPECTED);
            }
            assertThat(proxy.seen()).as("the proxy was used").isNotEmpty();
            assertThat(openai.received()).as("the stand-in answered").isNotEmpty();
            Thread.sleep(200);
            log = capture.text();
        }
        String file = Files.readString(Path.of(Profiles.DebugLog.LOG_FILE), StandardCharsets.UTF_8);
        assertThat(log).as("Keyhouse's own DEBUG lines were written").contains("through the proxy at http://127.0.0.1:")
                .contains("could not reach http://127.0.0.1:").contains("a redirect: not followed");
        assertThat(log.lines().filter(l -> l.startsWith("org.apache.hc.") && !l.contains(" INFO ")
                && !l.contains(" WARN") && !l.contains(" SEVERE") && !l.contains(" ERROR")))
                .as("Apache HttpClient records below INFO").isEmpty();

        List<String> found = new ArrayList<>();
        planted.forEach((what, value) -> {
            for (String needle : SecretForms.of(value, 12)) {
                for (Map.Entry<String, String> where : Map.of("the log records", log, "the log file", file).entrySet()) {
                    int at = where.getValue().indexOf(needle);
                    if (at >= 0) {
                        found.add(what + " in " + where.getKey() + ": " + where.getValue().substring(
                                Math.max(0, at - 120), at) + "<SECRET>");
                    }
                }
            }
        });
        assertThat(found).as("keys and proxy credentials in the DEBUG log").isEmpty();
    }
}
