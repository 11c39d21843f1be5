package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.keyhouse.Profiles;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.LogCapture;
import dev.keyhouse.auth.SessionTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Issue 14, item 11: a failed restart reads in plain words with its cause category — on the run page a viewer sees
 * and in the API — for each driver's failure kinds: a TLS handshake with a server that speaks plain HTTP (http and
 * kubernetes drivers), a closed port (http and docker), a runtime that answers 503, a command that exits non-zero.
 * The http driver's failures to get an answer all read the same, "could not reach the runtime at <url>" (item 9:
 * the text never tells an open port from a closed one).
 * No text carries an exception class or package name; the class is in the log. Every server is on loopback.
 */
@QuarkusTest
@TestProfile(Profiles.FastRestarts.class)
class RestartErrorTextTest {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(40);
    private final RuntimeApi api = new RuntimeApi();
    private HttpServer plain;
    /** Answers every connection at once with plain HTTP and closes it: a TLS client's handshake fails. */
    private ServerSocket notTls;
    private int closedPort;
    private Long sharedSecret;
    private Path envDir;

    @BeforeEach
    void servers() throws IOException {
        plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        plain.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "busy, try later".getBytes();
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().startsWith("/busy") ? 503 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        plain.start();
        notTls = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread answering = new Thread(() -> {
            while (!notTls.isClosed()) {
                try (java.net.Socket socket = notTls.accept()) {
                    socket.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes());
                } catch (IOException e) {
                    // closed at the end of the test, or a client gone
                }
            }
        }, "not-tls");
        answering.setDaemon(true);
        answering.start();
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
    }

    @AfterEach
    void stop() throws IOException {
        plain.stop(0);
        notTls.close();
        api.deleteSharedSecret(sharedSecret);
        api.deleteCreated();
        RuntimeApi.deleteTree(envDir);
    }

    /**
     * Breaker b9 M3 and L2, in one shared-secret run. A command that prints why it waits and hangs ended "did not
     * finish within 3 s; stopped", what it printed lost: now it is timed out with its last output, which an admin
     * reads on the restarts API and the run page, a viewer does not, and no log record holds; its process and the
     * {@code sleep} it started are gone. A command printing the served secret in two halves with a colour code between
     * them, and a webhook answering it so, both read "key=[masked]" with no ESC byte: escape sequences are removed
     * before masking, one rule for both drivers (each half alone is too short for the fragment pass).
     */
    @Test
    void aHungCommandsOutputIsShownToAdminsAndColourCodesAreRemovedBeforeMasking() throws Exception {
        String tag = RuntimeRestartTest.unique();
        String variable = "T_" + tag.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_SPLIT";
        String value = "sk-" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        // computed by the shell, so the target's own command (on its page) never holds it
        String marker = "waiting-for-lock-42-" + tag;
        envDir = Files.createTempDirectory(Path.of(dev.keyhouse.TestSettings.RUNTIME_ENV_DIRS), "hung");
        Path colourFile = envDir.resolve("colour.env");
        long hung = api.command("hung-" + tag, List.of("tracing"), "echo waiting-for-lock-$((6*7))-" + tag
                + "; sleep 60", null);
        long colour = api.command("colour-" + tag, List.of("tracing"), ". '" + colourFile + "' && printf"
                + " 'key=%s\\033[0m%s\\n' \"$(printf %s \"$" + variable + "\" | cut -c1-10)\" \"$(printf %s \"$"
                + variable + "\" | cut -c11-)\"; exit 3", colourFile.toString());
        plain.createContext("/coloured", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("key=" + value.substring(0, 10) + "\u001B[0m" + value.substring(10))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        long webhook = http("coloured-" + tag, "http://127.0.0.1:" + plain.getAddress().getPort() + "/coloured",
                "webhook-secret-" + tag + "-0123456789");
        String viewer = Browser.uniqueEmail("hung-viewer");
        Browser.newUser(viewer, "viewer");
        String session = Browser.session(viewer, Browser.PASSWORD);
        long runId;
        try (LogCapture records = LogCapture.installFirst()) {
            var created = given().auth().oauth2(api.admin()).contentType(io.restassured.http.ContentType.JSON)
                    .body(Map.of("name", "split-" + tag, "variable", variable, "value", value, "targets",
                            List.of(hung, colour, webhook)))
                    .post("/api/v1/shared-secrets");
            created.then().statusCode(201);
            sharedSecret = created.jsonPath().getLong("id");
            runId = created.jsonPath().getLong("restartRun");
            long seen = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (dev.keyhouse.runtimes.command.Processes.withVariable("KEYHOUSE_TARGET", "hung-" + tag).isEmpty()
                    && System.nanoTime() < seen) {
                Thread.sleep(20);
            }
            assertThat(dev.keyhouse.runtimes.command.Processes.withVariable("KEYHOUSE_TARGET", "hung-" + tag))
                    .as("the hung command runs (what the check below looks for)").isNotEmpty();
            JsonPath run = api.awaitRun(runId, RUN_TIMEOUT);
            assertThat(run.getString("results.find { it.target == 'hung-" + tag + "' }.state")).as(run.prettify())
                    .isEqualTo(RestartResult.TIMED_OUT);
            assertThat(records.text()).as("no log record holds the output").doesNotContain(marker)
                    .doesNotContain(value.substring(0, 10)).doesNotContain(value.substring(10));
        }
        assertThat(dev.keyhouse.runtimes.command.Processes.withVariable("KEYHOUSE_TARGET", "hung-" + tag))
                .as("the hung command and its sleep are gone").isEmpty();
        String reason = "did not finish within " + Profiles.FastRestarts.TIMEOUT_SECONDS
                + " s (RESTART_TIMEOUT_SECONDS); stopped; last output:\n";
        JsonPath asAdmin = given().auth().oauth2(api.admin()).get("/api/v1/restarts/" + runId).then()
                .statusCode(200).extract().jsonPath();
        assertThat(asAdmin.getString("results.find { it.target == 'hung-" + tag + "' }.error"))
                .as("an admin reads what the hung command printed").isEqualTo(reason + marker);
        assertThat(asAdmin.getString("results.find { it.target == 'colour-" + tag + "' }.error"))
                .isEqualTo("command exited with code 3; last output:\nkey=[masked]");
        assertThat(asAdmin.getString("results.find { it.target == 'coloured-" + tag + "' }.error"))
                .startsWith("refused by the runtime (HTTP 503)").endsWith("; it answered: key=[masked]");
        assertThat(asAdmin.getString("results.error")).doesNotContain("\u001B");
        JsonPath asViewer = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/api/v1/restarts/" + runId)
                .then().statusCode(200).extract().jsonPath();
        assertThat(asViewer.getString("results.find { it.target == 'hung-" + tag + "' }.error"))
                .isEqualTo(reason + RuntimeOutput.NOT_SHOWN);
        assertThat(given().auth().oauth2(api.admin()).get("/admin/restarts/" + runId).then().statusCode(200)
                .extract().asString()).as("an admin's run page").contains(marker);
        assertThat(given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/restarts/" + runId).then()
                .statusCode(200).extract().asString()).as("a viewer's run page").doesNotContain(marker)
                .contains("own output is shown to admins");
    }

    @Test
    void everyDriversFailuresReadInPlainWordsWithTheirCategory() throws Exception {
        String tag = RuntimeRestartTest.unique();
        int port = plain.getAddress().getPort();
        int tlsPort = notTls.getLocalPort();
        Path kubeconfig = Files.createTempFile("keyhouse-kubeconfig", ".yaml");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: loopback
                  cluster:
                    server: https://127.0.0.1:%d
                    insecure-skip-tls-verify: true
                users:
                - name: keyhouse
                  user:
                    token: kubeconfig-test-token-%s
                contexts:
                - name: loopback
                  context:
                    cluster: loopback
                    user: keyhouse
                current-context: loopback
                """.formatted(tlsPort, tag));
        // target name -> what its error must start with
        Map<String, String> expected = new LinkedHashMap<>();
        Map<String, Long> ids = new LinkedHashMap<>();
        String secret = "webhook-secret-" + tag + "-0123456789";
        ids.put("tls-" + tag, http("tls-" + tag, "https://127.0.0.1:" + tlsPort + "/hook", secret));
        // the http driver: one text for every failure to get an answer (issue 14, item 9), TLS and closed port alike
        expected.put("tls-" + tag, "could not reach the runtime at https://127.0.0.1:" + tlsPort + "/hook");
        ids.put("closed-" + tag, http("closed-" + tag, "http://127.0.0.1:" + closedPort + "/hook", secret));
        expected.put("closed-" + tag, "could not reach the runtime at http://127.0.0.1:" + closedPort + "/hook");
        ids.put("busy-" + tag, http("busy-" + tag, "http://127.0.0.1:" + port + "/busy", secret));
        expected.put("busy-" + tag, "refused by the runtime (HTTP 503): ");
        ids.put("docker-" + tag, api.create(Map.of("name", "docker-" + tag, "driver", "docker", "config",
                Map.of("host", "tcp://127.0.0.1:" + closedPort, "labelSelector", "app=voice"))));
        expected.put("docker-" + tag, "could not connect: ");
        ids.put("kube-" + tag, api.create(Map.of("name", "kube-" + tag, "driver", "kubernetes", "config",
                Map.of("namespace", "voice", "labelSelector", "app=voice", "secretName", "voice-keys",
                        "kubeconfig", kubeconfig.toString()))));
        expected.put("kube-" + tag, "TLS handshake failed: ");
        ids.put("command-" + tag, api.command("command-" + tag, List.of("llm"), "echo no; exit 3", null));
        expected.put("command-" + tag, "");

        String viewer = Browser.uniqueEmail("error-text-viewer");
        Browser.newUser(viewer, "viewer");
        String session = Browser.session(viewer, Browser.PASSWORD);
        try (LogCapture log = LogCapture.install()) {
            for (Map.Entry<String, Long> target : ids.entrySet()) {
                long runId = given().auth().oauth2(api.admin()).contentType(io.restassured.http.ContentType.JSON)
                        .post("/api/v1/runtimes/" + target.getValue() + "/restart")
                        .then().statusCode(202).extract().jsonPath().getLong("id");
                api.awaitRun(runId, RUN_TIMEOUT);
                JsonPath run = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/api/v1/restarts/" + runId)
                        .then().statusCode(200).extract().jsonPath();
                String error = run.getString("results[0].error");
                System.out.println("RestartErrorTextTest " + target.getKey() + ": " + error);
                assertThat(run.getString("results[0].state")).as(target.getKey()).isEqualTo(RestartResult.FAILED);
                assertThat(error).as(target.getKey()).isNotBlank().startsWith(expected.get(target.getKey()));
                FailureTextTest.assertPlain(error);
                assertThat(error).doesNotContain(secret).doesNotContain("kubeconfig-test-token-" + tag);
                String page = given().cookie(SessionTokens.SESSION_COOKIE, session).get("/admin/restarts/" + runId)
                        .then().statusCode(200).extract().asString();
                // the page shows the same words (HTML-escaped) and no Java name anywhere
                assertThat(page).as(target.getKey()).contains(expected.get(target.getKey()).strip());
                FailureTextTest.assertPlain(page.replaceAll("(?s)<script.*?</script>", ""));
            }
            assertThat(log.text()).as("the class names are in the log").contains("javax.net.ssl.SSL")
                    .contains("ConnectException");
            assertThat(log.text()).doesNotContain(secret);
        } finally {
            Files.deleteIfExists(kubeconfig);
        }
    }

    private long http(String name, String url, String secret) {
        return api.create(Map.of("name", name, "driver", "http", "config", Map.of("url", url, "secret", secret)));
    }
}
