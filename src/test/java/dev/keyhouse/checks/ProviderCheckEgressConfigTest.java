package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.keyhouse.Profiles;
import dev.keyhouse.Profiles.OperatorSettings;
import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.runtimes.http.HttpDriver;
import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.TargetSpec;
import dev.keyhouse.settings.ProviderKind;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * HTTPS_PROXY, HTTP_PROXY, NO_PROXY and PROVIDER_CHECK_TIMEOUT_SECONDS, set as variables, reach the application's
 * {@link ProviderChecks}: its checks go through the proxy stand-in with the proxy's Basic credentials, NO_PROXY hosts
 * go direct, a slow provider is unreachable after 2 s; the runtime webhooks ({@link HttpDriver}) go direct.
 */
@QuarkusTest
@TestProfile(OperatorSettings.class)
class ProviderCheckEgressConfigTest {

    @Inject
    ProviderChecks checks;

    @Inject
    HttpDriver webhooks;

    private OpenAiStandIn openai;
    private ProxyStandIn proxy;

    @BeforeEach
    void start() {
        openai = new OpenAiStandIn();
        int port = URI.create(ConfigProvider.getConfig().getValue("keyhouse.egress.http-proxy", String.class)).getPort();
        proxy = new ProxyStandIn(openai, port).requireCredentials(OperatorSettings.PROXY_USER,
                OperatorSettings.PROXY_PASSWORD);
    }

    @AfterEach
    void stop() {
        proxy.close();
        openai.close();
    }

    private CheckOutcome check(String baseUrl, String key) {
        return checks.check(Checks.target(ProviderKind.LLM, "openai", Set.of("apiKey"), "baseUrl", baseUrl, "apiKey",
                key));
    }

    @Test
    void checksGoThroughTheConfiguredProxiesAndNoProxyHostsGoDirect() {
        String key = openai.key(Scenario.GOOD);
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(
                (OperatorSettings.PROXY_USER + ":" + OperatorSettings.PROXY_PASSWORD)
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));

        // HTTP_PROXY: the request in absolute form, with the proxy's credentials after its 407
        assertThat(check(openai.baseUrl(), key).result()).isEqualTo(CheckResult.OK);
        assertThat(proxy.seen()).extracting(ProxyStandIn.Seen::target).containsOnly(openai.baseUrl() + "/models");
        assertThat(proxy.seen()).extracting(s -> s.header("Proxy-Authorization")).contains(basic);

        // HTTPS_PROXY: a CONNECT tunnel only (refused by the stand-in: nothing leaves loopback)
        assertThat(check("https://api.openai.test/v1", key).result()).isEqualTo(CheckResult.UNREACHABLE);
        assertThat(proxy.seen()).extracting(ProxyStandIn.Seen::method, ProxyStandIn.Seen::target)
                .contains(org.assertj.core.groups.Tuple.tuple("CONNECT", "api.openai.test:443"));

        // NO_PROXY=localhost: direct
        int before = proxy.seen().size();
        int received = openai.received().size();
        String port = openai.url().substring(openai.url().lastIndexOf(':') + 1);
        assertThat(check("http://localhost:" + port + "/v1", key).result()).isEqualTo(CheckResult.OK);
        assertThat(proxy.seen()).hasSize(before);
        assertThat(openai.received()).hasSize(received + 2);
    }

    @Test
    void runtimeWebhooksGoDirectNeverThroughTheProxy() throws Exception {
        AtomicInteger reloads = new AtomicInteger();
        HttpServer runtime = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        runtime.createContext("/reload", exchange -> {
            try (exchange) {
                reloads.incrementAndGet();
                exchange.sendResponseHeaders(204, -1);
            }
        });
        runtime.start();
        try {
            TargetSpec target = new TargetSpec(1, "voice-fleet", "http",
                    Map.of("url", "http://127.0.0.1:" + runtime.getAddress().getPort() + "/reload"),
                    Map.of("secret", "whsec-0123456789abcdef-egress"));
            webhooks.restart(target, "voice-fleet", new RestartOrder(1, 1, Map.of("LLM_PROVIDER", "openai"),
                    Set.of("LLM_PROVIDER"), Instant.now().plusSeconds(60)));
        } finally {
            runtime.stop(0);
        }
        assertThat(reloads).hasValue(1);
        assertThat(proxy.seen()).as("requests through the proxy").isEmpty();
    }

    @Test
    void providerCheckTimeoutSecondsBoundsEachCall() {
        assertThat(checks.timeout()).isEqualTo(Duration.ofSeconds(2));
        long started = System.nanoTime();
        CheckOutcome outcome = check(openai.baseUrl(), openai.key(Scenario.SLOW));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(outcome.result()).isEqualTo(CheckResult.UNREACHABLE);
        assertThat(took).isBetween(Duration.ofSeconds(2), Duration.ofMillis(3500));
        assertThat(List.of(openai.received().size())).as("the slow call reached the provider").containsExactly(1);
    }
}
