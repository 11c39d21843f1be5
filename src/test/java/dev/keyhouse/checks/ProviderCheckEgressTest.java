package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.egress.Egress;
import dev.keyhouse.egress.EgressPolicy;
import dev.keyhouse.egress.EgressProxy;
import dev.keyhouse.settings.ProviderKind;

/**
 * Where a provider check's requests go: through the egress proxy ({@link ProxyStandIn}, which answers http requests
 * as the provider and refuses every CONNECT, so nothing leaves loopback) with its Basic credentials, direct for
 * NO_PROXY destinations, never to a literal private address or localhost even through a proxy; never following a
 * redirect; unreachable after the configured timeout.
 */
class ProviderCheckEgressTest {

    private static final String PROXY_USER = "kh-egress";
    private static final String PROXY_PASSWORD = "Pr0xy pass@word%";
    private static final String PROXY_USER_INFO = "kh-egress:Pr0xy%20pass%40word%25";

    private final OpenAiStandIn openai = new OpenAiStandIn();
    private final ProxyStandIn proxy = new ProxyStandIn(openai);
    private final List<String> lookedUp = new ArrayList<>();

    @AfterEach
    void stop() {
        proxy.close();
        openai.close();
    }

    /** Names under .test resolve to 127.0.0.1, every lookup recorded; loopback is listed. */
    private Egress egress(String allowedHosts) {
        return new Egress(EgressPolicy.parse(allowedHosts), name -> {
            lookedUp.add(name);
            if (name.endsWith(".test")) {
                return new InetAddress[] {InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1})};
            }
            throw new UnknownHostException(name);
        });
    }

    private ProviderChecks checks(Egress egress, EgressProxy egressProxy) {
        return new ProviderChecks(List.of(new OpenAiCheck()), egress.through(egressProxy), Checks.TIMEOUT);
    }

    private static CheckTarget target(String baseUrl, String key) {
        return Checks.target(ProviderKind.LLM, "openai", Set.of("apiKey"), "baseUrl", baseUrl, "apiKey", key);
    }

    private String authenticatedProxy() {
        return "http://" + PROXY_USER_INFO + "@127.0.0.1:" + proxy.port();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anHttpCheckGoesThroughHttpProxyWithItsBasicCredentialsAndNoLookup() {
        proxy.requireCredentials(PROXY_USER, PROXY_PASSWORD);
        String key = openai.key(Scenario.GOOD);
        // nothing listed: the proxy's own address is the operator's choice; the provider's name is never resolved here
        ProviderChecks checks = checks(egress(""), EgressProxy.of(null, authenticatedProxy(), null));

        CheckOutcome outcome = checks.check(target("http://api.openai.test/v1", key));

        assertThat(outcome.result()).isEqualTo(CheckResult.OK);
        assertThat(outcome.negativeControl()).isEqualTo(NegativeControl.REJECTED);
        assertThat(lookedUp).as("names Keyhouse resolved itself").isEmpty();
        List<ProxyStandIn.Seen> seen = proxy.seen();
        assertThat(seen).extracting(ProxyStandIn.Seen::method).containsOnly("GET");
        assertThat(seen).extracting(ProxyStandIn.Seen::target).containsOnly("http://api.openai.test/v1/models");
        // a real proxy's challenge first (407 Proxy-Authenticate: Basic), then the credentials, for each call
        assertThat(seen.get(0).header("Proxy-Authorization")).isNull();
        assertThat(seen.get(1).header("Proxy-Authorization")).isEqualTo(basic(PROXY_USER, PROXY_PASSWORD));
        assertThat(seen.get(1).header("Authorization")).isEqualTo("Bearer " + key);
        assertThat(seen.stream().filter(s -> s.header("Proxy-Authorization") != null)).hasSize(2);
        assertThat(openai.received()).hasSize(2);
        assertThat(openai.received()).allSatisfy(r -> assertThat(r.header("Proxy-Authorization")).isNull());
    }

    @Test
    void anHttpsCheckOnlyAsksHttpsProxyForATunnelAndNeverOpensAConnectionElsewhere() {
        proxy.requireCredentials(PROXY_USER, PROXY_PASSWORD);
        ProviderChecks checks = checks(egress(""), EgressProxy.of(authenticatedProxy(), null, null));

        CheckOutcome outcome = checks.check(target("https://api.openai.test/v1", openai.key(Scenario.GOOD)));

        // the stand-in refuses every tunnel: the check cannot get an answer
        assertThat(outcome.result()).isEqualTo(CheckResult.UNREACHABLE);
        assertThat(outcome.negativeControl()).isEqualTo(NegativeControl.NOT_RUN);
        assertThat(lookedUp).isEmpty();
        assertThat(proxy.seen()).extracting(ProxyStandIn.Seen::method, ProxyStandIn.Seen::target)
                .containsOnly(org.assertj.core.groups.Tuple.tuple("CONNECT", "api.openai.test:443"));
        assertThat(proxy.seen()).extracting(s -> s.header("Proxy-Authorization"))
                .containsExactly(null, basic(PROXY_USER, PROXY_PASSWORD));
        // the key travels only inside the tunnel: the CONNECT never carries it
        assertThat(proxy.seen()).allSatisfy(s -> assertThat(s.header("Authorization")).isNull());
        assertThat(openai.received()).isEmpty();
    }

    @Test
    void refusedProxyCredentialsAreUnreachableNeverTheProvidersAnswer() {
        proxy.requireCredentials(PROXY_USER, "another password");
        ProviderChecks checks = checks(egress(""), EgressProxy.of(authenticatedProxy(), authenticatedProxy(), null));
        for (String baseUrl : List.of("http://api.openai.test/v1", "https://api.openai.test/v1")) {
            CheckOutcome outcome = checks.check(target(baseUrl, openai.key(Scenario.GOOD)));
            assertThat(outcome).as(baseUrl).extracting(CheckOutcome::result, CheckOutcome::status)
                    .containsExactly(CheckResult.UNREACHABLE, null);
        }
        assertThat(proxy.seen()).isNotEmpty();
        assertThat(openai.received()).isEmpty();
    }

    @Test
    void noProxyDestinationsGoDirectAndOthersThroughTheProxy() {
        String key = openai.key(Scenario.GOOD);
        String port = openai.url().substring(openai.url().lastIndexOf(':') + 1);
        EgressProxy egressProxy = EgressProxy.of(proxy.url(), proxy.url(), "openai.test, 127.0.0.0/8");
        ProviderChecks checks = checks(egress("127.0.0.1"), egressProxy);

        // a subdomain of a listed name: direct, resolved and pinned by Keyhouse (the .test lookup says 127.0.0.1)
        assertThat(checks.check(target("http://api.openai.test:" + port + "/v1", key)).result())
                .isEqualTo(CheckResult.OK);
        // an address inside a listed CIDR: direct
        assertThat(checks.check(target(openai.baseUrl(), key)).result()).isEqualTo(CheckResult.OK);
        assertThat(proxy.seen()).as("requests through the proxy").isEmpty();
        assertThat(lookedUp).contains("api.openai.test");
        assertThat(openai.received()).hasSize(4);

        // a name NO_PROXY does not list goes through the proxy
        assertThat(checks.check(target("http://models.other.test/v1", key)).result()).isEqualTo(CheckResult.OK);
        assertThat(proxy.seen()).extracting(ProxyStandIn.Seen::target)
                .containsOnly("http://models.other.test/v1/models");
        assertThat(lookedUp).doesNotContain("models.other.test");
    }

    @Test
    void throughAProxyALiteralPrivateAddressLocalhostAndNumericFormsAreStillRefused() {
        String key = openai.key(Scenario.GOOD);
        ProviderChecks checks = checks(egress(""), EgressProxy.of(proxy.url(), proxy.url(), null));
        for (String baseUrl : List.of("http://127.0.0.1:8080/v1", "http://localhost/v1", "http://api.localhost/v1",
                "http://10.1.2.3/v1", "https://192.168.0.10/v1", "http://[::1]/v1", "http://[fd00::5]/v1",
                "http://169.254.169.254/latest", "http://[::ffff:169.254.169.254]/v1", "http://2130706433/v1",
                "http://0x7f.1/v1", "https://0177.0.0.1/v1")) {
            CheckOutcome outcome = checks.check(target(baseUrl, key));
            assertThat(outcome).as(baseUrl).extracting(CheckOutcome::result, CheckOutcome::code)
                    .containsExactly(CheckResult.UNREACHABLE, "egress_refused");
        }
        assertThat(proxy.seen()).as("nothing was sent to the proxy").isEmpty();
        assertThat(lookedUp).isEmpty();

        // listed in EGRESS_ALLOWED_HOSTS, a private address may be reached through the proxy
        ProviderChecks listed = checks(egress("10.0.0.0/8"), EgressProxy.of(null, proxy.url(), null));
        assertThat(listed.check(target("http://10.1.2.3/v1", key)).result()).isEqualTo(CheckResult.OK);
        assertThat(proxy.seen()).extracting(ProxyStandIn.Seen::target).containsOnly("http://10.1.2.3/v1/models");
    }

    @Test
    void aRedirectIsNeverFollowedAndIsUnexpectedWithItsStatus() throws IOException {
        try (RedirectingServer moved = new RedirectingServer(openai.baseUrl() + "/models")) {
            for (int status : List.of(301, 302, 303, 307, 308)) {
                moved.status = status;
                CheckOutcome outcome = Checks.of(new OpenAiCheck())
                        .check(target(moved.url() + "/v1", openai.key(Scenario.GOOD)));
                assertThat(outcome).as("HTTP %d", status)
                        .extracting(CheckOutcome::result, CheckOutcome::status, CheckOutcome::code)
                        .containsExactly(CheckResult.UNEXPECTED, status, "redirect");
                assertThat(outcome.summary()).startsWith("unexpected (HTTP " + status + ", redirect)");
            }
            assertThat(moved.requests).as("the real call and the decoy, each answered with a redirect").hasValue(10);
        }
        assertThat(openai.received()).as("the host the redirects named").isEmpty();
    }

    @Test
    void aSlowProviderIsUnreachableAfterTheConfiguredTimeout() {
        for (Duration timeout : List.of(Duration.ofSeconds(1), Duration.ofSeconds(3))) {
            ProviderChecks checks = new ProviderChecks(List.of(new OpenAiCheck()), Checks.LOOPBACK, timeout);
            long started = System.nanoTime();
            CheckOutcome outcome = checks.check(target(openai.baseUrl(), openai.key(Scenario.SLOW)));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(outcome.result()).isEqualTo(CheckResult.UNREACHABLE);
            assertThat(took).as("with a timeout of %s", timeout).isBetween(timeout, timeout.plusMillis(1500));
        }
    }

    @Test
    void theTimeoutMustBeOneTo120Seconds() {
        for (Duration bad : List.of(Duration.ZERO, Duration.ofSeconds(-1), Duration.ofSeconds(121))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> new ProviderChecks(List.of(), Checks.LOOPBACK, bad)).as(bad.toString())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("PROVIDER_CHECK_TIMEOUT_SECONDS must be 1 to 120");
        }
        assertThat(new ProviderChecks(List.of(), Checks.LOOPBACK, Duration.ofSeconds(120)).timeout())
                .isEqualTo(Duration.ofSeconds(120));
    }
}
