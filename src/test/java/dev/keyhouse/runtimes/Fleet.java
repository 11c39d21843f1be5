package dev.keyhouse.runtimes;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import dev.keyhouse.TestSettings;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * A fleet of runtimes as command targets, each behaving like a real one: when Keyhouse restarts it (the command
 * target writes its EnvironmentFile and runs a command that counts the restart), it fetches runtime-config under its
 * own name, makes its first real provider call with the {@code LLM_API_KEY} it got (to an OpenAI stand-in's
 * {@code GET /v1/models}), and reports its status: ok, or failing with {@code invalid_key}. After
 * {@link #callsItsModel()} the call is for its {@code LLM_MODEL} and the report's code follows the answer. A runtime
 * can also be told to stay silent (it never reports), or held back (it reports once released).
 *
 * <p>It talks to the Keyhouse under test (RestAssured's default), or to a packaged one at a URL the test repoints
 * after each restart ({@link #Fleet(Path, String, Supplier, String)}). Each restart appends
 * {@code <run id> v<configuration version>} to {@code <name>.restarts}: the run that restarted it and the
 * configuration version (runtime-config's {@code version}) its environment file was written for.
 */
final class Fleet implements AutoCloseable {

    /** One status report a runtime sent: its name, the version it ran with, and its status. */
    record Sent(String runtime, long version, String status) {
    }

    private final RuntimeApi api;
    private final Path dir;
    private final String providerUrl;
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final Set<String> silent = ConcurrentHashMap.newKeySet();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Supplier<String> keyhouseUrl;
    private final String token;
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final List<String> names = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Thread watcher;
    private volatile boolean closed;
    private volatile boolean modelCalls;

    /** @param providerUrl the OpenAI stand-in's base URL, e.g. {@code http://127.0.0.1:4711/v1} */
    Fleet(RuntimeApi api, Path dir, String providerUrl) {
        this(api, dir, providerUrl, null, TestSettings.RUNTIME_CONFIG_TOKEN);
    }

    /**
     * A fleet of a packaged Keyhouse: its targets are registered by the test ({@link #command}, {@link #watch});
     * the runtimes fetch and report at {@code keyhouseUrl}'s current answer with the runtime token {@code token}.
     */
    Fleet(Path dir, String providerUrl, Supplier<String> keyhouseUrl, String token) {
        this(null, dir, providerUrl, keyhouseUrl, token);
    }

    private Fleet(RuntimeApi api, Path dir, String providerUrl, Supplier<String> keyhouseUrl, String token) {
        this.api = api;
        this.dir = dir;
        this.providerUrl = providerUrl;
        this.keyhouseUrl = keyhouseUrl;
        this.token = token;
        this.watcher = new Thread(this::watch, "fleet-watcher");
        this.watcher.setDaemon(true);
        this.watcher.start();
    }

    /** Registers a command target of one runtime, named {@code name}, depending on llm; returns its id. */
    long runtime(String name) {
        long id = api.command(name, List.of("llm"), command(name), env(name).toString());
        names.add(name);
        return id;
    }

    /**
     * The command a target of this fleet runs to restart runtime {@code name}: it appends {@code $KEYHOUSE_RUN_ID}
     * and the configuration version its environment file ({@link #environmentFile}) names to {@code <name>.restarts}.
     */
    String command(String name) {
        return "echo \"$KEYHOUSE_RUN_ID v$(sed -n '1s/.*configuration version \\([0-9]*\\).*/\\1/p' '" + env(name)
                + "')\" >> '" + dir.resolve(name + ".restarts") + "'";
    }

    /** Where the target of runtime {@code name} must write its environment file. */
    Path environmentFile(String name) {
        return env(name);
    }

    /** Watches runtime {@code name}, whose target the test registered with {@link #command} and {@link #environmentFile}. */
    void watch(String name) {
        names.add(name);
    }

    /** These runtimes restart but do not start up (fetch, call, report) until {@link #release()}. */
    void hold(String... runtimes) {
        held.addAll(List.of(runtimes));
    }

    /** The held runtimes start up now (each once, however often it was restarted meanwhile). */
    void release() {
        held.clear();
    }

    /** Every restart of the runtime, in order: {@code <run id> v<configuration version>}. */
    List<String> restartLines(String name) throws IOException {
        Path file = dir.resolve(name + ".restarts");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    /**
     * Four runtimes {@code a-canary-<tag>, b-<tag>, c-<tag>, d-<tag>} (a fresh tag), the first marked canary, all
     * confirming by report; returns their names in that order.
     */
    List<String> canaryAndThree(javax.sql.DataSource db) {
        String tag = java.util.UUID.randomUUID().toString().substring(0, 8);
        List<String> four = List.of("a-canary-" + tag, "b-" + tag, "c-" + tag, "d-" + tag);
        four.forEach(this::runtime);
        dev.keyhouse.auth.Rows.update(db, "UPDATE runtime_targets SET canary = true WHERE name = ?", four.get(0));
        dev.keyhouse.auth.Rows.update(db, "UPDATE runtime_targets SET confirmation = 'report' WHERE name LIKE ?",
                "%-" + tag);
        return four;
    }

    /**
     * From now on each runtime's first provider call is for the model it was given ({@code GET /models/<LLM_MODEL>},
     * OpenAI's "retrieve model"), and its report says what the answer said, as the README's runtime does: ok for
     * 200, {@code invalid_key} for 401, {@code http:<status>} for any other (a model not found: {@code http:404}).
     */
    Fleet callsItsModel() {
        modelCalls = true;
        return this;
    }

    /** This runtime never reports (a runtime that hangs after its restart). */
    void silence(String name) {
        silent.add(name);
    }

    /** How many times Keyhouse restarted the runtime. */
    int restarts(String name) throws IOException {
        return restartLines(name).size();
    }

    /** The LLM key in the runtime's environment file, or null before its first restart. */
    String key(String name) throws IOException {
        Path file = env(name);
        if (!Files.exists(file)) {
            return null;
        }
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("LLM_API_KEY="))
                .map(l -> l.substring("LLM_API_KEY=".length())).findFirst().orElse(null);
    }

    List<Sent> sent() {
        return List.copyOf(sent);
    }

    private Path env(String name) {
        return dir.resolve(name + ".env");
    }

    private void watch() {
        while (!closed) {
            for (String name : names) {
                if (held.contains(name)) {
                    continue;
                }
                try {
                    Path restarts = dir.resolve(name + ".restarts");
                    if (!Files.exists(restarts)) {
                        continue;
                    }
                    // only whole lines: the shell creates the file (empty) before it writes the line, and a
                    // half-seen restart must not count as one restart and its line as another
                    String lines = Files.readString(restarts);
                    lines = lines.substring(0, lines.lastIndexOf('\n') + 1);
                    if (lines.isEmpty()) {
                        continue;
                    }
                    String stamp = lines + Files.getLastModifiedTime(env(name));
                    if (!stamp.equals(seen.get(name))) {
                        seen.put(name, stamp);
                        if (!silent.contains(name)) {
                            start(name);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the file is being written; the next pass sees it whole
                    seen.remove(name);
                } catch (InterruptedException e) {
                    return;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** What a runtime does when it starts: fetch its config, call the provider, report. */
    private void start(String name) throws IOException, InterruptedException {
        Response config = keyhouse(name).get("/api/v1/internal/runtime-config");
        if (config.statusCode() != 200) {
            return;
        }
        JsonPath json = config.jsonPath();
        long version = json.getLong("version");
        String key = json.getString("env.LLM_API_KEY");
        boolean model = modelCalls;
        String path = model ? "/models/" + json.getString("env.LLM_MODEL") : "/models";
        HttpResponse<String> call = http.send(HttpRequest.newBuilder(URI.create(providerUrl + path))
                .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        String status = call.statusCode() == 200 ? "ok" : "failing";
        String detail = !model || call.statusCode() == 401 ? "invalid_key" : "http:" + call.statusCode();
        Map<String, Object> body = call.statusCode() == 200 ? Map.of("version", version, "status", "ok")
                : Map.of("version", version, "status", "failing", "detail", detail);
        keyhouse(name).contentType(ContentType.JSON).body(body).post("/api/v1/internal/runtime-status").then()
                .statusCode(204);
        sent.add(new Sent(name, version, status));
    }

    /** A request of runtime {@code name} to Keyhouse's internal API. */
    private RequestSpecification keyhouse(String name) {
        RequestSpecification request = given().auth().oauth2(token).header("X-Keyhouse-Runtime", name);
        return keyhouseUrl == null ? request : request.baseUri(keyhouseUrl.get());
    }

    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
    }
}
