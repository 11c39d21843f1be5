package dev.keyhouse.runtimes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClientException;

/** {@link FailureText}: each kind of driver failure in plain words with its category, no class or package names. */
public class FailureTextTest {

    /** A class name, simple or qualified, or a package name a Java stack would show. */
    static final Pattern JAVA_NAME = Pattern.compile("[A-Za-z]+(Exception|Error)\\b|\\b(java|javax|jdk|sun|com\\.sun|"
            + "io\\.fabric8|com\\.github|org\\.apache|io\\.vertx|dev\\.keyhouse)\\.|\\$[A-Z]");

    static void assertPlain(String text) {
        java.util.regex.Matcher name = JAVA_NAME.matcher(text);
        assertThat(name.find() ? name.group() : null).as("a Java name in: " + text).isNull();
    }

    private static String text(Throwable failure) {
        String text = FailureText.of(failure);
        assertPlain(text);
        return text;
    }

    @Test
    void tlsFailuresSayTheHandshakeFailed() {
        SSLHandshakeException pkix = new SSLHandshakeException("PKIX path building failed: sun.security.provider."
                + "certpath.SunCertPathBuilderException: unable to find valid certification path to requested target");
        // HttpDriver's wording: where, then the cause's simple class name and message
        assertThat(text(new IOException("POST https://127.0.0.1:8443/hook: SSLHandshakeException: " + pkix.getMessage(),
                pkix))).isEqualTo("TLS handshake failed: POST https://127.0.0.1:8443/hook: PKIX path building failed:"
                        + " unable to find valid certification path to requested target");
        assertThat(text(new SSLException("Unsupported or unrecognized SSL message")))
                .isEqualTo("TLS handshake failed: Unsupported or unrecognized SSL message");
        // Kubernetes: the client's exception around the handshake's
        KubernetesClientException client = new KubernetesClientException("An error has occurred.",
                new SSLHandshakeException("Remote host terminated the handshake"));
        assertThat(text(new IllegalStateException("cannot reach the Kubernetes API at https://127.0.0.1:6443/ to list"
                + " pods in namespace voice: SSLHandshakeException Remote host terminated the handshake", client)))
                .isEqualTo("TLS handshake failed: cannot reach the Kubernetes API at https://127.0.0.1:6443/ to list"
                        + " pods in namespace voice: Remote host terminated the handshake");
    }

    @Test
    void connectionFailuresSayTheyCouldNotConnect() {
        assertThat(text(new ConnectException())).isEqualTo("could not connect");
        assertThat(text(new IllegalStateException("Docker engine tcp://127.0.0.1:2375: listing containers failed:"
                + " java.net.ConnectException: Connection refused", new ConnectException("Connection refused"))))
                .isEqualTo("could not connect: Docker engine tcp://127.0.0.1:2375: listing containers failed:"
                        + " Connection refused");
        assertThat(text(new IOException("POST http://runtime.local:8080/hook: connection refused")))
                .startsWith("could not connect: ");
        assertThat(text(new UnknownHostException("voice-worker.invalid")))
                .isEqualTo("could not resolve the host: voice-worker.invalid");
    }

    @Test
    void timeoutsSayTheyTimedOut() {
        assertThat(text(new HttpConnectTimeoutException("HTTP connect timed out"))).startsWith("timed out: ");
        assertThat(text(new HttpTimeoutException("request timed out"))).startsWith("timed out: ");
        assertThat(text(new IOException("GET /containers/json", new SocketTimeoutException("Read timed out"))))
                .isEqualTo("timed out: GET /containers/json");
    }

    @Test
    void refusalsNameTheStatus() {
        assertThat(text(new IOException("POST http://127.0.0.1:9/hook answered HTTP 503: busy")))
                .isEqualTo("refused by the runtime (HTTP 503): POST http://127.0.0.1:9/hook answered HTTP 503: busy");
        assertThat(text(new IllegalStateException("cannot list pods in namespace voice: HTTP 500: etcd is down")))
                .startsWith("refused by the runtime (HTTP 500): ");
    }

    /** URLs keep every character, IPv6 literals of every form and class-like path segments included. */
    @Test
    void urlsAndIpv6AddressesAreQuotedAsWritten() {
        for (String host : java.util.List.of("[::ffff:127.0.0.1]", "[::1]", "[::]", "[fe80::]", "[fe80::1%25eth0]",
                "[2001:db8::]", "[::ffff:7f00:1]", "[64:ff9b::10.0.0.1]", "[fd00:0:0:0:0:0:0:7]", "[FD00::7]",
                "[1::]", "[::ffff:0:127.0.0.1]")) {
            for (String url : java.util.List.of("http://" + host + ":28000/", "https://" + host + "/v1.Reload/hook",
                    "http://" + host + "/")) {
                IOException unreachable = dev.keyhouse.egress.Egress.unreachable("the runtime",
                        dev.keyhouse.egress.Egress.safeUrl(java.net.URI.create(url)));
                assertThat(text(unreachable)).isEqualTo("could not reach the runtime at " + url);
                assertThat(text(new IOException("could not reach the runtime at " + url, new ConnectException())))
                        .isEqualTo("could not connect: could not reach the runtime at " + url);
                assertThat(text(new IOException("POST " + url + ": SSLHandshakeException: bad certificate",
                        new SSLHandshakeException("bad certificate"))))
                        .isEqualTo("TLS handshake failed: POST " + url + ": bad certificate");
            }
        }
        // bare addresses outside a URL too
        assertThat(text(new IOException("Docker engine at [::1]:2375 and fe80:: : java.net.ConnectException: refused")))
                .isEqualTo("Docker engine at [::1]:2375 and fe80:: refused");
        assertThat(text(new IOException("no route to fe80::"))).isEqualTo("no route to fe80::");
    }

    @Test
    void filesAndEverythingElseInPlainWords() {
        assertThat(text(new NoSuchFileException("/etc/keyhouse/voice.env"))).isEqualTo("file not found: /etc/keyhouse/voice.env");
        assertThat(text(new AccessDeniedException("/etc/keyhouse/voice.env")))
                .isEqualTo("permission denied: /etc/keyhouse/voice.env");
        assertThat(text(new NullPointerException())).isEqualTo("failed for a reason the log holds");
        assertThat(text(new RuntimeException("com.github.dockerjava.api.exception.NotFoundException: Status 404:"
                + " {\"message\":\"No such container: voice-1\"}")))
                .isEqualTo("Status 404: No such container: voice-1");
        assertThat(text(new IllegalStateException(new IllegalArgumentException("bad label selector"))))
                .as("a wrapper's message is the cause's toString: the class is cut").isEqualTo("bad label selector");
        assertThat(text(new IOException("Cannot run program \"systemctl\": error=2, No such file or directory")))
                .isEqualTo("Cannot run program \"systemctl\": error=2, No such file or directory");
        // host names are no class names
        assertThat(text(new IOException("POST https://api.example.com/v1/hook answered HTTP 502")))
                .contains("https://api.example.com/v1/hook");
    }

    /** Python's http.server answering a POST it does not serve: what a webhook runtime's 501 looks like. */
    public static final String PYTHON_501 = """
            <!DOCTYPE HTML>
            <html lang="en">
                <head>
                    <meta charset="utf-8">
                    <style type="text/css">body { font-family: sans-serif; }</style>
                    <title>Error response</title>
                </head>
                <body>
                    <h1>Error response</h1>
                    <p>Error code: 501</p>
                    <p>Message: Unsupported method (&#x27;POST&#x27;).</p>
                    <p>Error code explanation: 501 - Server does not support this operation.</p>
                </body>
            </html>
            """;

    /** Issue 20, item 9: an HTML error page quoted by a driver reads as its words, after what the driver said. */
    @Test
    void anHtmlErrorPageReadsAsItsWords() {
        String text = text(new IOException("command exited with code 22; last output:\n" + PYTHON_501));
        // the title and the heading say the same: once (smalls, point 4)
        assertThat(text).isEqualTo("command exited with code 22; last output: Error response Error"
                + " code: 501 Message: Unsupported method ('POST'). Error code explanation: 501 - Server does not"
                + " support this operation.");
        assertThat(text(new RuntimeException("Status 502: <html><head><script>alert(1)</script></head><body>"
                + "<center><h1>502 Bad&nbsp;Gateway</h1></center><hr><center>nginx</center><!-- padding --></body>"
                + "</html>"))).isEqualTo("Status 502: 502 Bad Gateway nginx");
    }

    /**
     * Smalls, point 4: a line the words already have is left out (an error page's title and heading, a heading that
     * repeats part of the title); a line that only shares a word stays.
     */
    @Test
    void aLineTheWordsAlreadyHaveIsSaidOnce() {
        assertThat(text(new RuntimeException("Status 501: " + TYPICAL_501))).isEqualTo("Status 501: 501 Not"
                + " Implemented GET not supported for current URL. Apache/2.4.62 (Debian) Server at 127.0.0.1 Port 80");
        assertThat(text(new RuntimeException("Status 502: <html><head><title>502 Bad Gateway</title></head><body>"
                + "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")))
                .isEqualTo("Status 502: 502 Bad Gateway nginx");
        assertThat(FailureText.distinctLines("Not Implemented\nnot implemented\n  Implemented later\nImplemented"))
                .as("whole words, case aside").isEqualTo("Not Implemented Implemented later");
        assertThat(FailureText.distinctLines("Gateway\nBad Gateways")).isEqualTo("Gateway Bad Gateways");
    }

    /** Apache httpd's 501: the title says the status and its text, the heading the text again. */
    public static final String TYPICAL_501 = """
            <!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
            <html><head>
            <title>501 Not Implemented</title>
            </head><body>
            <h1>Not Implemented</h1>
            <p>GET not supported for current URL.<br />
            </p>
            <hr>
            <address>Apache/2.4.62 (Debian) Server at 127.0.0.1 Port 80</address>
            </body></html>
            """;

    @Test
    void xmlAndJsonBodiesReadAsTheirMessage() {
        assertThat(text(new RuntimeException("Status 403: <?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
                + "AccessDenied</Code><Message>Access Denied &amp; logged</Message></Error>")))
                .isEqualTo("Status 403: AccessDenied Access Denied & logged");
        assertThat(text(new RuntimeException("Status 500: {\"error\":{\"message\":\"upstream reset\",\"code\":17}}")))
                .isEqualTo("Status 500: upstream reset");
        assertThat(text(new RuntimeException("Status 500: {\"kind\":\"Status\",\"code\":500,\"status\":\"Failure\"}")))
                .as("no message field: the object's values").isEqualTo("Status 500: kind Status, code 500, status Failure");
        assertThat(text(new RuntimeException("Status 409: <br/>conflict"))).isEqualTo("Status 409: conflict");
        assertThat(text(new RuntimeException("Status 500: <html><body></body></html>")))
                .isEqualTo("Status 500: (an answer with no text)");
    }

    @Test
    void aQuotedBodyIsBoundedAndPlainTextStaysAsItIs() {
        String long_ = "<html><body><p>" + "word ".repeat(400) + "</p></body></html>";
        String text = text(new RuntimeException("Status 500: " + long_));
        assertThat(text).startsWith("Status 500: word word").endsWith("…")
                .hasSizeLessThanOrEqualTo("Status 500: ".length() + FailureText.MAX_BODY + 1).doesNotContain("<");
        // text that only looks like markup in passing, or braces that are no JSON, is left alone
        for (String plain : List.of("expected <name> but found a < b", "command exited with code 1; last output:\n"
                + "line one\nline two", "template {value} unresolved", "set {\"a\": }")) {
            assertThat(FailureText.readable(plain)).isEqualTo(plain);
        }
    }
}
