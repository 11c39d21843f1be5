package dev.keyhouse.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** {@link EgressProxy}: which proxy a URL goes through, NO_PROXY's forms, and problems that never quote a value. */
class EgressProxyTest {

    private static final String PROXY = "http://squid.internal:3128";
    private static final String OTHER = "http://plain.internal:8080";

    private static String via(EgressProxy proxy, String url) {
        return proxy.proxyFor(URI.create(url)).map(Object::toString).orElse("direct");
    }

    @Test
    void httpsDestinationsUseHttpsProxyAndHttpOnesHttpProxy() {
        EgressProxy proxy = EgressProxy.of(PROXY, OTHER, null);
        assertThat(via(proxy, "https://api.openai.com/v1/models")).isEqualTo(PROXY);
        assertThat(via(proxy, "http://llm.example.com/v1/models")).isEqualTo(OTHER);
        assertThat(via(EgressProxy.of(PROXY, null, null), "http://llm.example.com/v1")).as("no HTTP_PROXY")
                .isEqualTo("direct");
        assertThat(via(EgressProxy.of(null, OTHER, null), "https://api.openai.com/v1")).as("no HTTPS_PROXY")
                .isEqualTo("direct");
        assertThat(via(EgressProxy.none(), "https://api.openai.com/v1")).isEqualTo("direct");
        assertThat(EgressProxy.none().isSet()).isFalse();
        assertThat(proxy.isSet()).isTrue();
    }

    @Test
    void noProxyMatchesHostsWithTheirSubdomainsAddressesAndNetworks() {
        EgressProxy proxy = EgressProxy.of(PROXY, PROXY,
                " example.com, .corp.test , *.lab.test, 10.0.0.0/8, 192.168.1.7, [fd00::1], 2001:db8::/32,Upper.TEST.");
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        // a name matches itself and every subdomain, in every written form of the entry
        expected.put("https://example.com/", "direct");
        expected.put("https://api.example.com/", "direct");
        expected.put("https://API.Example.COM./", "direct");
        expected.put("https://notexample.com/", PROXY);
        expected.put("https://example.com.evil.test/", PROXY);
        expected.put("https://corp.test/", "direct");
        expected.put("https://a.b.corp.test/", "direct");
        expected.put("https://lab.test/", "direct");
        expected.put("https://x.lab.test/", "direct");
        expected.put("https://upper.test/", "direct");
        // addresses and networks match a URL written as an address, never a name (nothing is looked up)
        expected.put("https://10.20.30.40/", "direct");
        expected.put("https://11.0.0.1/", PROXY);
        expected.put("https://192.168.1.7:8443/", "direct");
        expected.put("https://192.168.1.8/", PROXY);
        expected.put("https://[fd00::1]/", "direct");
        expected.put("https://[fd00::2]/", PROXY);
        expected.put("https://[2001:db8:1::5]/", "direct");
        expected.put("https://ten.internal/", PROXY);
        expected.forEach((url, way) -> assertThat(via(proxy, url)).as(url).isEqualTo(way));
    }

    @Test
    void aStarInNoProxySendsEverythingDirect() {
        EgressProxy proxy = EgressProxy.of(PROXY, PROXY, "*");
        assertThat(via(proxy, "https://api.openai.com/")).isEqualTo("direct");
        assertThat(via(proxy, "http://10.0.0.1/")).isEqualTo("direct");
    }

    @Test
    void userInfoBecomesBasicCredentialsAndIsNeverShown() {
        EgressProxy.Proxy proxy = EgressProxy.of("http://kh%40user:p%40ss%3Aw%2Brd+x@proxy.internal:3128/", null, null)
                .proxyFor(URI.create("https://api.openai.com/")).orElseThrow();
        assertThat(proxy.user()).isEqualTo("kh@user");
        assertThat(proxy.password()).isEqualTo("p@ss:w+rd+x");
        assertThat(proxy.hasCredentials()).isTrue();
        assertThat(proxy.toString()).isEqualTo("http://proxy.internal:3128").doesNotContain("p@ss", "kh");
        assertThat(EgressProxy.of("http://user@[::1]:3128", null, null).proxyFor(URI.create("https://x.test/"))
                .orElseThrow()).extracting(EgressProxy.Proxy::host, EgressProxy.Proxy::password,
                        EgressProxy.Proxy::toString)
                .containsExactly("::1", "", "http://[::1]:3128");
    }

    @Test
    void aMalformedProxyIsNamedWithoutItsValue() {
        String password = "s3cret-Proxy-pw";
        Map<String, String> problems = new java.util.LinkedHashMap<>();
        problems.put("ftp://kh-operator:" + password + "@proxy.internal:3128", "HTTPS_PROXY does not start with");
        problems.put("kh-operator:" + password + "@proxy.internal", "HTTPS_PROXY has no port");
        problems.put("https://kh-operator:" + password + "@proxy.internal:3128", "HTTPS_PROXY does not start with http://");
        problems.put("socks5://proxy.internal:1080", "HTTPS_PROXY does not start with http://");
        problems.put("http://kh-operator:" + password + "@proxy.internal", "HTTPS_PROXY has no port");
        problems.put("http://kh-operator:" + password + "@proxy.internal:99999", "HTTPS_PROXY has a port that is not");
        problems.put("http://kh-operator:" + password + "@proxy.internal:3128/path", "HTTPS_PROXY has a path");
        problems.put("http://kh-operator:" + password + "@proxy.internal:3128/?q=1", "HTTPS_PROXY has a path, query");
        problems.put("http://kh-operator:" + password + "%zz@proxy.internal:3128", "HTTPS_PROXY is not a URL");
        problems.put("http://kh-operator:pa%ss@proxy.internal:3128", "HTTPS_PROXY is not a URL");
        problems.put("http://:" + password + "@proxy.internal:3128", "HTTPS_PROXY has a password but no user name");
        problems.put("http://kh-operator:" + password + "@prox y:3128", "HTTPS_PROXY is not a URL");
        problems.put("http://kh-operator:" + password + "@under_score-.internal:3128", "HTTPS_PROXY has a host that is");
        problems.put("http://0x7f.1:3128", "HTTPS_PROXY has a host that is");
        problems.forEach((value, problem) -> {
            List<String> found = EgressProxy.proxyProblems("HTTPS_PROXY", value);
            assertThat(found).as(value).singleElement().asString().startsWith(problem).doesNotContain(password)
                    .doesNotContain("kh-operator").doesNotContain("proxy.internal");
            assertThatThrownBy(() -> EgressProxy.of(value, null, null)).as(value)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(problem)
                    .hasMessageNotContaining(password);
        });
        assertThat(EgressProxy.proxyProblems("HTTP_PROXY", "http://proxy.internal:3128")).isEmpty();
        assertThat(EgressProxy.proxyProblems("HTTP_PROXY", "http://u:p@10.0.0.5:3128/")).isEmpty();
        assertThat(EgressProxy.proxyProblems("HTTP_PROXY", " ")).isEmpty();
        // no scheme: http://, as curl, Go and Python read it
        assertThat(EgressProxy.proxyProblems("HTTP_PROXY", "proxy.internal:3128")).isEmpty();
        EgressProxy.Proxy bare = EgressProxy.of("kh%40op:pw@proxy.internal:3128", null, null)
                .proxyFor(URI.create("https://api.openai.com/")).orElseThrow();
        assertThat(bare).extracting(EgressProxy.Proxy::toString, EgressProxy.Proxy::user, EgressProxy.Proxy::password)
                .containsExactly("http://proxy.internal:3128", "kh@op", "pw");
    }

    @Test
    void aBadNoProxyEntryIsNamed() {
        assertThat(EgressProxy.noProxyProblems("example.com, api.example.com:443, 10.0.0.0/33, bad host, *, ::1"))
                .containsExactly(
                        "NO_PROXY entry 'api.example.com:443' is not a host name, .domain, IP address, CIDR or *"
                                + " (ports are not supported)",
                        "NO_PROXY entry '10.0.0.0/33' is not a host name, .domain, IP address, CIDR or *",
                        "NO_PROXY entry 'bad host' is not a host name, .domain, IP address, CIDR or *");
        assertThatThrownBy(() -> EgressProxy.of(null, null, "a..b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NO_PROXY entry 'a..b' is not a host name, .domain, IP address, CIDR or *");
    }

    /** Egress's DEBUG cause: the exception's class alone when its message quotes the query, user info or a header. */
    @Test
    void aFailuresCauseIsLoggedWithoutWhatTheRequestCarried() {
        Egress.Request request = Egress.Request.get(URI.create("https://g.test/v1beta/models?key=AIzaSyQueryKey0123"),
                Map.of("x-api-key", "sk-ant-api03-headerkey", "Authorization", "Bearer sk-proj-bearerkey0123"),
                java.time.Duration.ofSeconds(1), 0, "the provider");
        for (String quoted : List.of("GET /v1beta/models?key=AIzaSyQueryKey0123", "key sk-ant-api03-headerkey",
                "token sk-proj-bearerkey0123 refused", "Bearer sk-proj-bearerkey0123")) {
            assertThat(Egress.cause(new java.io.IOException(quoted), request)).as(quoted)
                    .isEqualTo("java.io.IOException");
        }
        assertThat(Egress.cause(new java.net.ConnectException("Connection refused"), request))
                .isEqualTo("java.net.ConnectException: Connection refused");
    }
}
