package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How CORS_ORIGINS, CORS_LAN_IP and HTTP_PORT become the CORS filter's origin list. */
class CorsOriginsTest {

    @Test
    void unsetOriginsAllowTheLoopbackOriginsOnTheHttpPort() {
        assertThat(CorsOrigins.allowed(null, null, 8080))
                .containsExactly("http://localhost:8080", "http://127.0.0.1:8080", "http://[::1]:8080");
        assertThat(CorsOrigins.allowed(" ", "", 9090))
                .containsExactly("http://localhost:9090", "http://127.0.0.1:9090", "http://[::1]:9090");
        assertThat(CorsOrigins.allowed(null, null, 80)).contains("http://localhost");
    }

    @Test
    void corsOriginsReplaceTheLoopbackListAndAreNormalisedAsBrowsersSendThem() {
        assertThat(CorsOrigins.allowed("HTTPS://Admin.Example.com:443, http://localhost:3000,https://admin.example.com",
                null, 8080)).containsExactly("https://admin.example.com", "http://localhost:3000");
    }

    @Test
    void theLanIpAddsItsHttpOriginOnTheHttpPortToEitherList() {
        assertThat(CorsOrigins.allowed(null, "192.168.1.20", 8080)).containsExactly("http://localhost:8080",
                "http://127.0.0.1:8080", "http://[::1]:8080", "http://192.168.1.20:8080");
        assertThat(CorsOrigins.allowed("https://admin.example.com", " 10.0.0.7 ", 9000))
                .containsExactly("https://admin.example.com", "http://10.0.0.7:9000");
    }

    @Test
    void entriesThatAreNotOriginsAreLeftOut() {
        assertThat(CorsOrigins.allowed("https://a.example/path,*,mailto:x@y.example,https://u:p@b.example,"
                + "http://c.example?x,https://ok.example", "not-an-ip", 8080)).containsExactly("https://ok.example");
    }
}
