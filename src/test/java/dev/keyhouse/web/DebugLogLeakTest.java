package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.keyhouse.Profiles;
import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Caller;
import dev.keyhouse.auth.Callers;
import dev.keyhouse.auth.LogCapture;
import dev.keyhouse.config.MultiSearch;
import dev.keyhouse.runtimes.SecretForms;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * Issue 14, item 5: at LOG_LEVEL=DEBUG no credential reaches the log, whatever logs it (Keyhouse, SmallRye JWT,
 * Quarkus security, Vert.x, RESTEasy Reactive, the access log). The test signs in, fails to sign in (a wrong
 * password, an unknown account), calls every route of the application (found in the compiled resources) with every
 * kind of caller — valid and forged session JWTs as bearer and as cookie, API tokens, the runtime-config token right
 * and wrong; a refused credential on one route of each kind Quarkus security checks, and on every route that checks
 * credentials itself — and then searches every record (message, parameters, stack traces) and the log file for each
 * credential in every form it could be written in ({@link SecretForms}), and for each JWT's signature alone.
 */
@QuarkusTest
@TestProfile(Profiles.DebugLog.class)
class DebugLogLeakTest {

    private static final Pattern TEMPLATE = Pattern.compile("\\{(\\w[\\w.-]*)}");
    private static final String WRONG_PASSWORD = "wrong-Password-planted-4b1e97";
    private static final String WRONG_RUNTIME_TOKEN = "wrong-runtime-token-planted-90c2d6";

    @Test
    void noCredentialIsLoggedAtDebug() throws Exception {
        Map<String, String> planted = new LinkedHashMap<>();
        String log;
        String file;
        // ahead of the console handler, whose LogMask filter rewrites records in place: the records must be clean
        // without the mask
        try (LogCapture capture = LogCapture.installFirst()) {
            // signing in: the password that works, a wrong one, an unknown account, over the form and the API
            String session = signIn(TestSettings.ADMIN_EMAIL, TestSettings.ADMIN_PASSWORD);
            assertThat(session).as("the admin signs in").isNotNull();
            planted.put("the admin password", TestSettings.ADMIN_PASSWORD);
            planted.put("the admin's session JWT", session);
            planted.put("a wrong password", WRONG_PASSWORD);
            assertThat(signIn(TestSettings.ADMIN_EMAIL, WRONG_PASSWORD)).isNull();
            assertThat(signIn("nobody-" + WRONG_PASSWORD + "@keyhouse.test", WRONG_PASSWORD)).isNull();
            SecurityMatrixTest.Csrf csrf = SecurityMatrixTest.Csrf.fetch();
            for (String password : List.of(TestSettings.ADMIN_PASSWORD, WRONG_PASSWORD)) {
                send("POST", "/login", Map.of("Content-Type", "application/x-www-form-urlencoded", "Cookie",
                        csrf.cookieHeader(null)), "email=" + TestSettings.ADMIN_EMAIL.replace("@", "%40") + "&password="
                        + password + "&csrf-token=" + csrf.token());
            }

            // every onEveryRoute caller on every route; every refusedCredentials credential (forged, ended or wrong) on every route
            // that checks it in its own code (@PermitAll or unannotated) and on one route of each kind that Quarkus
            // security checks (the same roles, page or API, read or write): there it is refusedCredentials while the identity
            // is established, before the resource method runs, by the same code whichever route it was sent to
            Callers callers = Callers.create();
            List<Map<String, String>> onEveryRoute = new ArrayList<>();
            List<Map<String, String>> refusedCredentials = new ArrayList<>();
            for (Caller caller : callers.all()) {
                if (caller.credential() == null) {
                    onEveryRoute.add(Map.of());
                    continue;
                }
                planted.put("the " + caller.name() + " caller's credential", caller.credential());
                List<Map<String, String>> presentations = caller.kind() == Caller.Kind.REJECTED ? refusedCredentials : onEveryRoute;
                presentations.add(Map.of("Authorization", "Bearer " + caller.credential()));
                presentations.add(Map.of("Cookie", csrf.cookieHeader(caller.credential()), "X-CSRF-TOKEN", csrf.token()));
            }
            planted.put("the runtime-config token", TestSettings.RUNTIME_CONFIG_TOKEN);
            planted.put("a wrong runtime-config token", WRONG_RUNTIME_TOKEN);
            onEveryRoute.add(Map.of("Authorization", "Bearer " + TestSettings.RUNTIME_CONFIG_TOKEN));
            refusedCredentials.add(Map.of("Authorization", "Bearer " + WRONG_RUNTIME_TOKEN));
            onEveryRoute.add(Map.of("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (TestSettings.ADMIN_EMAIL + ":" + TestSettings.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8))));
            refusedCredentials.add(Map.of("Authorization", WRONG_RUNTIME_TOKEN));
            int routes = 0;
            Set<String> securityChecks = new HashSet<>();
            for (Map.Entry<String, String> route : ResourceRoutes.withRoles(Path.of("target", "classes")).entrySet()) {
                String[] parts = route.getKey().split(" ", 2);
                String path = TEMPLATE.matcher(parts[1]).replaceAll(m -> m.group(1).equals("kind") ? "llm" : "999999");
                boolean api = path.startsWith("/api/");
                List<Map<String, String>> presentations = new ArrayList<>(onEveryRoute);
                if (route.getValue() == null || securityChecks.add(route.getValue() + (api ? " API " : " page ")
                        + (parts[0].equals("GET") ? "read" : "write"))) {
                    presentations.addAll(refusedCredentials);
                }
                for (Map<String, String> credentials : presentations) {
                    Map<String, String> headers = new LinkedHashMap<>(credentials);
                    String body = null;
                    if (!parts[0].equals("GET")) {
                        headers.put("Content-Type", api ? "application/json" : "application/x-www-form-urlencoded");
                        body = api ? "{}" : "csrf-token=" + csrf.token();
                    }
                    send(parts[0], path, headers, body);
                }
                routes++;
            }
            assertThat(securityChecks).as("kinds of route Quarkus security checks").hasSizeGreaterThan(4);
            assertThat(routes).isGreaterThan(40);
            assertThat(bodyWithSecretsNotQuotedRight(session, csrf, planted)).as("JSON write routes").isGreaterThan(10);
            // the configured secrets themselves
            planted.put("JWT_SECRET_KEY", TestSettings.JWT_KEY);
            planted.put("JWT_SECRET_KEY_PREVIOUS", TestSettings.JWT_PREVIOUS_KEY);
            planted.put("CREDENTIAL_ENCRYPTION_KEY", TestSettings.ENCRYPTION_KEY);
            Thread.sleep(500); // the access log is written after the response
            log = capture.text();
        }
        // the mask on the handlers, proven by a line that carries credentials on purpose (after the capture: the
        // records themselves must be clean without it)
        String session = planted.get("the admin's session JWT");
        org.jboss.logging.Logger.getLogger("keyhouse.log-mask-probe").debugf("log-mask-probe Authorization: Bearer %s,"
                + " password=%s, key %s", session, WRONG_PASSWORD, TestSettings.JWT_KEY);
        file = Files.readString(Path.of(Profiles.DebugLog.LOG_FILE), StandardCharsets.UTF_8);
        String probe = file.lines().filter(l -> l.contains("log-mask-probe")).findFirst().orElse("");
        assertThat(probe).as("the probe line, masked").contains("Bearer [masked]", "password=[masked]", "key [masked]");
        assertThat(log).as("the capture saw the DEBUG records").contains(" DEBUG ");
        assertThat(file).as("the log file is at DEBUG").contains("DEBUG");

        List<String> whats = new ArrayList<>();
        List<String> needles = new ArrayList<>();
        planted.forEach((what, value) -> {
            List<String> forms = new ArrayList<>(SecretForms.of(value, 12));
            String[] jwt = value.split("\\.");
            if (jwt.length == 3 && jwt[2].length() >= 12) {
                forms.add(jwt[2]); // a JWT's signature alone is enough to tell it was leaked
            }
            for (String needle : forms) {
                whats.add(what);
                needles.add(needle);
            }
        });
        // every needle in one pass over each text (an indexOf per needle read the DEBUG log a thousand times)
        MultiSearch search = MultiSearch.ofStrings(needles);
        List<String> found = new ArrayList<>();
        for (Map.Entry<String, String> where : Map.of("the log records", log, "the log file", file).entrySet()) {
            java.util.BitSet hits = search.in(where.getValue());
            for (int n = hits.nextSetBit(0); n >= 0; n = hits.nextSetBit(n + 1)) {
                int at = where.getValue().indexOf(needles.get(n));
                found.add(whats.get(n) + " in " + where.getKey() + ": " + line(where.getValue(), at, needles.get(n)));
            }
        }
        assertThat(found).as("credentials in the DEBUG log").isEmpty();
    }

    /**
     * Issue 14 fixes, input 1: every JSON write route (as the admin, so the body is read) gets secrets that are not
     * quoted right — bare, quoted on one side, in single quotes, followed by garbage — in the secret fields and in
     * fields of other types, which parsers quote in their messages ("Unrecognized token '…'", "from String \"…\"")
 * ({@link #fieldsRead}: each field the route's body binds and one it does not);
     * every page write route gets a form whose bad %-escape follows a password. Each secret is planted. Returns the
     * number of JSON write routes.
     */
    private static int bodyWithSecretsNotQuotedRight(String adminJwt, SecurityMatrixTest.Csrf csrf,
            Map<String, String> planted) {
        List<String> fields = List.of("password", "apiKey", "authToken", "apiSecret", "token", "email", "role", "enabled",
                "version", "baseUrl");
        int jsonRoutes = 0;
        for (Map.Entry<String, ResourceRoutes.Described> described : ResourceRoutes.described(Path.of("target", "classes"))
                .entrySet()) {
            String route = described.getKey();
            String[] parts = route.split(" ", 2);
            if (parts[0].equals("GET")) {
                continue;
            }
            String path = TEMPLATE.matcher(parts[1]).replaceAll(m -> m.group(1).equals("kind") ? "llm" : "999999");
            Map<String, String> headers = new LinkedHashMap<>();
            if (!path.equals("/api/v1/auth/token")) {
                headers.put("Authorization", "Bearer " + adminJwt);
            }
            headers.put("If-Match", "\"1\"");
            if (!path.startsWith("/api/")) {
                String secret = "FormSecret9Horse" + Math.abs(path.hashCode());
                planted.put("a password before a bad %-escape in a form to " + route, secret);
                headers.put("Content-Type", "application/x-www-form-urlencoded");
                headers.put("Cookie", csrf.cookieHeader(null));
                send(parts[0], path, headers, "email=a%40x.io&password=" + secret + "%zz&csrf-token=" + csrf.token());
                send(parts[0], path, headers, "password=" + secret + "%C3%28&x=%");
                continue;
            }
            jsonRoutes++;
            headers.put("Content-Type", "application/json");
            for (String field : fieldsRead(fields, described.getValue().bodyFields())) {
                String secret = "Correct9HorseBattery" + field + "Unquoted";
                planted.put("a " + field + " not quoted right", secret);
                for (String body : List.of("{\"email\":\"a@x.io\",\"" + field + "\":" + secret + "}",
                        "{\"" + field + "\":" + secret + "\"}", "{\"" + field + "\":'" + secret + "'}",
                        "{\"" + field + "\":\"" + secret + "\" x}", "{\"" + field + "\":\"" + secret + "\"",
                        "{\"" + field + "\":\"" + secret, "[\"" + secret + "\"]", "{\"" + field + "\":[" + secret + "]}",
                        "{\"" + field + "\":\"" + secret + "\",\"" + field + "\":\"x\"}", secret)) {
                    send(parts[0], path, headers, body);
                }
            }
        }
        return jsonRoutes;
    }

    /**
     * The fields worth sending to a route whose body binds {@code bodyFields} ({@link ResourceRoutes.Described}):
     * every one of {@code fields} it binds, each to its own type, and the first it does not, standing for all of
     * them — Jackson reads the value of a name it does not know (so a value that is not a JSON value is refused by
     * the same tokenizer) and then refuses the name (FAIL_ON_UNKNOWN_PROPERTIES), the same for every unknown name.
     * A route that reads no body gets one field: nothing parses what it sends. A body read as a map or a string
     * (null) gets them all.
     */
    private static List<String> fieldsRead(List<String> fields, Set<String> bodyFields) {
        if (bodyFields == null) {
            return fields;
        }
        List<String> read = new ArrayList<>(fields.stream().filter(bodyFields::contains).toList());
        fields.stream().filter(f -> !bodyFields.contains(f)).findFirst().ifPresent(read::add);
        return read;
    }

    /** The line around a find, with the credential itself cut out. */
    private static String line(String text, int at, String needle) {
        int start = Math.max(text.lastIndexOf('\n', at) + 1, at - 200);
        int end = text.indexOf('\n', at);
        end = end < 0 ? Math.min(text.length(), at + 200) : Math.min(end, at + needle.length() + 200);
        return text.substring(start, at) + "<CREDENTIAL>" + text.substring(at + needle.length(), end);
    }

    /** The access token for a sign-in over the API, or null when it is refusedCredentials. */
    private static String signIn(String email, String password) {
        RawHttp.Response response = send("POST", "/api/v1/auth/token", Map.of("Content-Type", "application/json"),
                "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
        return response.status() == 200 ? JsonPath.from(response.body()).getString("access_token") : null;
    }

    private static RawHttp.Response send(String method, String path, Map<String, String> headers, String body) {
        return RawHttp.sendFromNewClient(method, path, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }
}
