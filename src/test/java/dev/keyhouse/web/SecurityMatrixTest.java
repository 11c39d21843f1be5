package dev.keyhouse.web;

import static dev.keyhouse.web.SecurityMatrixTest.Access.INTERNAL;
import static dev.keyhouse.web.SecurityMatrixTest.Access.PUBLIC;
import static dev.keyhouse.web.SecurityMatrixTest.Access.READ;
import static dev.keyhouse.web.SecurityMatrixTest.Access.WRITE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.keyhouse.TestSettings;
import dev.keyhouse.auth.Browser;
import dev.keyhouse.auth.Caller;
import dev.keyhouse.auth.Callers;
import dev.keyhouse.auth.SessionTokens;
import dev.keyhouse.auth.SigningKeys;
import dev.keyhouse.auth.UserAdmin;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * Every route of the application × every kind of caller, each cell asserted: who may read, who may write, and
 * that every credential Keyhouse must refuse is refused everywhere. A route the table does not declare, or a
 * declared route the application no longer has, fails {@link #theTableDeclaresEveryRouteOfTheApplication}.
 */
@QuarkusTest
class SecurityMatrixTest {

    /** Who may call a route. */
    enum Access {
        /** Anyone, signed in or not; a stale or forged credential must not lock anyone out either. */
        PUBLIC,
        /** Viewers and admins. */
        READ,
        /** Admins only; a viewer gets 403. */
        WRITE,
        /** Only the runtime-config token (PROVISIONER_INTERNAL_TOKEN): every user credential gets 401. */
        INTERNAL
    }

    // ---------------------------------------------------------------------------------------------------------
    // THE ROUTE TABLE. To add a route, add one line: route("<METHOD> <path>", <Access>), the path spelled as the
    // class @Path and method @Path join ("/api/v1/settings/{kind}"; a regex in a template is left out: {id}).
    // Path parameters are sent as 999999 unless .param("name", "value") says otherwise; an /api write sends the
    // JSON body {} unless .json("...") gives one; a page form POST sends the caller's CSRF token (the visitor token
    // for POST /login) plus .form(...).
    // The request only has to get past authorization: a 400 or 404 for a placeholder still proves access was
    // granted, but a 5xx fails the cell. Keep the lines sorted by path. Every JAX-RS route belongs here, public
    // ones too. The runtimes' own endpoint is INTERNAL: route("GET /api/v1/internal/runtime-config", INTERNAL).
    // ---------------------------------------------------------------------------------------------------------
    static final List<Route> ROUTES = List.of(
            route("GET /", PUBLIC),
            route("GET /admin", READ),
            route("GET /admin/audit", READ),
            route("GET /admin/environment", READ),
            route("GET /admin/restarts/{id}", READ),
            route("GET /admin/restarts/{id}/live", READ),
            route("GET /admin/restarts/{id}/status", READ),
            route("POST /admin/restarts/{id}/pause", WRITE),
            route("POST /admin/restarts/{id}/resume", WRITE),
            route("POST /admin/restarts/{id}/continue", WRITE),
            route("POST /admin/restarts/{id}/abort", WRITE),
            route("GET /admin/rotate-credentials", READ),
            route("POST /admin/rotate-credentials", WRITE),
            route("GET /admin/rotate-credentials/{id}/progress", READ),
            route("GET /admin/rotate-credentials/state", READ),
            route("POST /admin/rotate-credentials/{id}/retry-failed", WRITE),
            route("GET /admin/runtimes", READ),
            route("POST /admin/runtimes", WRITE).form("name", "", "driver", "command"),
            route("GET /admin/runtimes/live", READ),
            route("GET /admin/runtimes/{id}", READ),
            route("GET /admin/runtimes/{id}/latest", READ),
            route("POST /admin/runtimes/{id}", WRITE),
            route("GET /admin/runtimes/{id}/delete", WRITE),
            route("POST /admin/runtimes/{id}/delete", WRITE),
            route("POST /admin/runtimes/{id}/enabled", WRITE),
            route("POST /admin/runtimes/{id}/hold", WRITE),
            route("POST /admin/runtimes/{id}/release", WRITE),
            route("GET /admin/runtimes/{id}/restart", WRITE),
            route("POST /admin/runtimes/{id}/restart", WRITE),
            route("GET /admin/settings", READ),
            route("GET /admin/shared-secrets", READ),
            route("POST /admin/shared-secrets", WRITE).form("name", "", "variable", ""),
            route("GET /admin/shared-secrets/{id}", READ),
            route("POST /admin/shared-secrets/{id}", WRITE),
            route("POST /admin/shared-secrets/{id}/generate", WRITE),
            route("POST /admin/shared-secrets/{id}/delete", WRITE),
            route("POST /admin/shared-secrets/{id}/rollback", WRITE),
            route("GET /admin/settings/{kind}", READ).param("kind", "llm"),
            route("GET /admin/settings/state", READ),
            route("GET /admin/settings/{kind}/state", READ).param("kind", "llm"),
            route("POST /admin/settings/{kind}", WRITE).param("kind", "not-a-kind"),
            route("POST /admin/settings/{kind}/rollback", WRITE).param("kind", "not-a-kind"),
            route("POST /admin/settings/{kind}/check", WRITE).param("kind", "not-a-kind"),
            route("GET /admin/settings/{kind}/providers", READ).param("kind", "stt"),
            route("POST /admin/settings/{kind}/providers", WRITE).param("kind", "not-a-kind"),
            route("GET /admin/settings/{kind}/providers/new", WRITE).param("kind", "stt"),
            route("GET /admin/settings/{kind}/providers/{id}", WRITE).param("kind", "stt"),
            route("POST /admin/settings/{kind}/providers/{id}", WRITE).param("kind", "not-a-kind"),
            route("POST /admin/settings/{kind}/providers/{id}/enabled", WRITE).param("kind", "not-a-kind"),
            route("POST /admin/settings/{kind}/providers/{id}/move", WRITE).param("kind", "not-a-kind"),
            route("POST /admin/settings/{kind}/providers/{id}/delete", WRITE).param("kind", "not-a-kind"),
            route("POST /admin/settings/{kind}/providers/{id}/primary", WRITE).param("kind", "not-a-kind"),
            route("POST /admin/settings/{kind}/providers/{id}/rollback", WRITE).param("kind", "not-a-kind"),
            route("GET /admin/users", READ),
            route("POST /admin/users", WRITE),
            route("POST /admin/users/tokens", WRITE),
            route("GET /admin/users/tokens/{id}/revoke", WRITE),
            route("POST /admin/users/tokens/{id}/revoke", WRITE),
            route("POST /admin/users/{id}", WRITE),
            route("GET /admin/users/{id}/disable", WRITE),
            route("GET /admin/users/{id}/password", WRITE),
            route("GET /api/v1/admin/rotate-credentials", READ),
            route("POST /api/v1/admin/rotate-credentials", WRITE),
            route("GET /api/v1/admin/rotate-credentials/{id}", READ),
            route("POST /api/v1/admin/rotate-credentials/{id}/retry-failed", WRITE),
            route("POST /api/v1/auth/token", PUBLIC),
            route("GET /api/v1/audit", READ),
            route("GET /api/v1/environment", READ),
            route("GET /api/v1/internal/runtime-config", INTERNAL),
            route("POST /api/v1/internal/runtime-status", INTERNAL)
                    .json("{\"version\": 1, \"status\": \"ok\"}"),
            route("GET /api/v1/restarts", READ),
            route("GET /api/v1/restarts/{id}", READ),
            route("POST /api/v1/restarts/{id}/pause", WRITE),
            route("POST /api/v1/restarts/{id}/resume", WRITE),
            route("POST /api/v1/restarts/{id}/continue", WRITE),
            route("POST /api/v1/restarts/{id}/abort", WRITE),
            route("GET /api/v1/runtimes", READ),
            route("POST /api/v1/runtimes", WRITE),
            route("GET /api/v1/runtimes/instances", READ),
            route("GET /api/v1/runtimes/{id}", READ),
            route("PUT /api/v1/runtimes/{id}", WRITE),
            route("DELETE /api/v1/runtimes/{id}", WRITE),
            route("POST /api/v1/runtimes/{id}/hold", WRITE),
            route("POST /api/v1/runtimes/{id}/release", WRITE),
            route("POST /api/v1/runtimes/{id}/restart", WRITE),
            route("GET /api/v1/settings", READ),
            route("GET /api/v1/settings/{kind}", READ).param("kind", "llm"),
            route("PUT /api/v1/settings/{kind}", WRITE).param("kind", "not-a-kind"),
            route("POST /api/v1/settings/{kind}/rollback", WRITE).param("kind", "not-a-kind"),
            route("POST /api/v1/settings/{kind}/check", WRITE).param("kind", "not-a-kind"),
            route("GET /api/v1/settings/{kind}/providers", READ).param("kind", "stt"),
            route("POST /api/v1/settings/{kind}/providers", WRITE).param("kind", "not-a-kind"),
            route("GET /api/v1/settings/{kind}/providers/{id}", READ).param("kind", "stt"),
            route("PUT /api/v1/settings/{kind}/providers/{id}", WRITE).param("kind", "not-a-kind"),
            route("DELETE /api/v1/settings/{kind}/providers/{id}", WRITE).param("kind", "not-a-kind"),
            route("POST /api/v1/settings/{kind}/providers/{id}/primary", WRITE).param("kind", "not-a-kind"),
            route("POST /api/v1/settings/{kind}/providers/{id}/rollback", WRITE).param("kind", "not-a-kind"),
            route("GET /api/v1/shared-secrets", READ),
            route("POST /api/v1/shared-secrets", WRITE),
            route("GET /api/v1/shared-secrets/{id}", READ),
            route("PUT /api/v1/shared-secrets/{id}", WRITE),
            route("DELETE /api/v1/shared-secrets/{id}", WRITE),
            route("POST /api/v1/shared-secrets/{id}/generate", WRITE),
            route("POST /api/v1/shared-secrets/{id}/rollback", WRITE),
            route("GET /api/v1/tokens", READ),
            route("POST /api/v1/tokens", WRITE),
            route("DELETE /api/v1/tokens/{id}", WRITE),
            route("GET /api/v1/users", READ),
            route("POST /api/v1/users", WRITE),
            route("PATCH /api/v1/users/{id}", WRITE),
            route("GET /login", PUBLIC),
            route("POST /login", PUBLIC).form("email", TestSettings.ADMIN_EMAIL, "password", TestSettings.ADMIN_PASSWORD),
            route("POST /logout", PUBLIC));

    private static final Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final String PLACEHOLDER_ID = "999999";
    private static final String CSRF_FIELD = "csrf-token";
    private static final Pattern TEMPLATE = Pattern.compile("\\{(\\w[\\w.-]*)}");

    @Inject
    UserAdmin userAdmin;
    @Inject
    SessionTokens sessions;
    @Inject
    SigningKeys keys;

    @Test
    void theTableDeclaresEveryRouteOfTheApplication() {
        Set<String> discovered = ResourceRoutes.of(Path.of("target", "classes"));
        Set<String> declared = ROUTES.stream().map(Route::key).collect(Collectors.toCollection(TreeSet::new));
        assertThat(declared).as("a route is declared twice in SecurityMatrixTest.ROUTES").hasSize(ROUTES.size());

        Set<String> undeclared = new TreeSet<>(discovered);
        undeclared.removeAll(declared);
        Set<String> gone = new TreeSet<>(declared);
        gone.removeAll(discovered);
        assertThat(undeclared).as("routes of the application missing from SecurityMatrixTest.ROUTES: declare each "
                + "with its access rule so the security matrix covers it").isEmpty();
        assertThat(gone).as("routes in SecurityMatrixTest.ROUTES that the application does not have: remove or "
                + "correct them").isEmpty();
    }

    @Test
    void everyRouteAnswersEveryCallerAsItsRuleSays() {
        Callers callers = Callers.create(userAdmin, sessions, keys);
        Csrf csrf = Csrf.fetch();
        // each signed-in browser's own CSRF token, as its pages carry it; refused cookies have none
        Map<Caller, String> sessionTokens = sessionCsrfTokens(callers);
        List<String> failures = new ArrayList<>();
        Map<Route, Map<Caller, String>> matrix = new LinkedHashMap<>();
        for (Route route : ROUTES) {
            Map<Caller, String> row = new LinkedHashMap<>();
            for (Caller caller : callers.all()) {
                Response response = route.fire(caller, csrf, sessionTokens.get(caller));
                Outcome expected = Outcome.expected(route.access(), caller.kind());
                String problem = expected.problemWith(response, route.isApi());
                row.put(caller, response.statusCode() + (isSignInRedirect(response) ? ">login" : "")
                        + (problem == null ? "" : "!"));
                if (problem != null) {
                    failures.add(route.key() + " as " + caller + ": expected " + expected + " but " + problem);
                }
            }
            matrix.put(route, row);
        }
        System.out.println(render(matrix, callers.all()));
        assertThat(failures).as("security matrix cells with the wrong outcome").isEmpty();
    }

    /** Quarkus' own routes: the API description (admins only) on the public port. */
    static final List<String> API_DOCS = List.of("/q/openapi", "/q/openapi.json", "/q/openapi.yaml",
            "/q/openapi?format=json", "/q/swagger-ui", "/q/swagger-ui/", "/q/swagger-ui/index.html");

    /**
     * The operational routes × every caller: health and metrics answer anyone on the management port (it asks no
     * credential and refuses none; keeping it private is the network's job) and nobody on the public port, where
     * the API description is for admins only.
     */
    @Test
    void operationalRoutesAnswerEveryCallerAsTheirPortSays() {
        Callers callers = Callers.create(userAdmin, sessions, keys);
        List<String> failures = new ArrayList<>();
        for (Caller caller : callers.all()) {
            for (String path : ManagementInterfaceTest.OPERATIONAL) {
                Response publicPort = caller.presentTo(given().redirects().follow(false), false).get(path);
                if (publicPort.statusCode() != 404) {
                    failures.add("public port " + path + " as " + caller + ": got " + publicPort.statusCode()
                            + " (wanted 404)");
                }
            }
            for (String path : List.of("/q/health", "/q/health/live", "/q/health/ready", "/q/health/started", "/q/metrics")) {
                Response management = caller.presentTo(dev.keyhouse.Management.given().redirects().follow(false), false)
                        .get(path);
                if (management.statusCode() != 200) {
                    failures.add("management port " + path + " as " + caller + ": got " + management.statusCode()
                            + " (wanted 200)");
                }
            }
            for (String path : API_DOCS) {
                Response docs = caller.presentTo(given().redirects().follow(false), false).get(path);
                int status = docs.statusCode();
                String problem = switch (caller.kind()) {
                    case ADMIN -> status == 200 || status == 301 || status == 302 ? null : "wanted 200";
                    case VIEWER -> status == 403 ? null : "wanted 403";
                    case ANONYMOUS, REJECTED -> status == 401 || isSignInRedirect(docs) ? null
                            : "wanted 401 or the sign-in redirect";
                };
                if (problem != null) {
                    failures.add(path + " as " + caller + ": got " + status + " (" + problem + ")");
                }
            }
        }
        assertThat(failures).as("operational routes with the wrong outcome").isEmpty();
    }

    /** Every cell again with a forged Host: no answer names it, every Location is a relative path. */
    @Test
    void noAnswerNamesAForgedHost() {
        Callers callers = Callers.create(userAdmin, sessions, keys);
        List<String> leaks = new ArrayList<>();
        List<String> locations = new ArrayList<>();
        Map<Caller, String> sessionTokens = sessionCsrfTokens(callers);
        withHost(RedirectLocationTest.EVIL, () -> {
            Csrf csrf = Csrf.fetch();
            for (Route route : ROUTES) {
                for (Caller caller : callers.all()) {
                    Response response = route.fire(caller, csrf, sessionTokens.get(caller));
                    String cell = route.key() + " as " + caller;
                    RedirectLocationTest.leak(cell, response, RedirectLocationTest.EVIL).ifPresent(leaks::add);
                    if (response.header("Location") != null) {
                        locations.add(cell + " -> " + response.header("Location"));
                    }
                }
            }
        });
        assertThat(leaks).as("answers naming the forged Host").isEmpty();
        assertThat(locations).as("the sweep met redirects (sign-in redirects of every page route at least)")
                .hasSizeGreaterThan(50)
                .allSatisfy(l -> assertThat(l.substring(l.indexOf(" -> ") + 4)).startsWith("/").doesNotStartWith("//"));
    }

    /** The CSRF token of each signed-in session caller (admin and viewer cookies), for their form writes. */
    private static Map<Caller, String> sessionCsrfTokens(Callers callers) {
        Map<Caller, String> tokens = new LinkedHashMap<>();
        for (Caller caller : callers.all()) {
            if (caller.credential() != null && !caller.isApiToken()
                    && (caller.kind() == Caller.Kind.ADMIN || caller.kind() == Caller.Kind.VIEWER)) {
                tokens.put(caller, Browser.csrfOf(caller.credential()));
            }
        }
        return tokens;
    }

    private static void withHost(String host, Runnable requests) {
        RequestSpecification before = RestAssured.requestSpecification;
        RestAssured.requestSpecification = new RequestSpecBuilder().addHeader("Host", host).build();
        try {
            requests.run();
        } finally {
            RestAssured.requestSpecification = before;
        }
    }

    /** What a cell must show. */
    enum Outcome {
        ALLOWED, UNAUTHENTICATED, FORBIDDEN;

        static Outcome expected(Access access, Caller.Kind kind) {
            return switch (access) {
                case PUBLIC -> ALLOWED;
                case INTERNAL -> UNAUTHENTICATED;
                case READ -> kind == Caller.Kind.VIEWER || kind == Caller.Kind.ADMIN ? ALLOWED : UNAUTHENTICATED;
                case WRITE -> switch (kind) {
                    case ADMIN -> ALLOWED;
                    case VIEWER -> FORBIDDEN;
                    case ANONYMOUS, REJECTED -> UNAUTHENTICATED;
                };
            };
        }

        /** Why the response is not this outcome, or null when it is. */
        String problemWith(Response response, boolean api) {
            int status = response.statusCode();
            String type = response.contentType() == null ? "" : response.contentType();
            String location = response.header("Location") == null ? "" : response.header("Location");
            boolean signInRedirect = isSignInRedirect(response);
            String got = "got " + status + " " + type + (location.isEmpty() ? "" : " -> " + location);
            switch (this) {
                case UNAUTHENTICATED:
                    if (api) {
                        return status == 401 && type.startsWith("application/problem+json") ? null
                                : got + " (wanted 401 problem+json)";
                    }
                    return signInRedirect ? null : got + " (wanted 303 to /login?next=...)";
                case FORBIDDEN:
                    String wantedType = api ? "application/problem+json" : "text/html";
                    return status == 403 && type.startsWith(wantedType) ? null
                            : got + " (wanted 403 " + wantedType + ")";
                default:
                    if (status == 401 || status == 403 || signInRedirect) {
                        return got + " (access was refused)";
                    }
                    return status >= 500 ? got + " (the server failed; the cell proves nothing)" : null;
            }
        }
    }

    /** ProblemMapper's answer to an unauthenticated page request: 303 to /login, with where to come back to. */
    static boolean isSignInRedirect(Response response) {
        String location = response.header("Location");
        return response.statusCode() == 303 && location != null && location.contains("/login?next=");
    }

    /** One row of the table. */
    record Route(String method, String path, Access access, Map<String, String> params, Map<String, String> form,
            String json) {

        String key() {
            return method + " " + path;
        }

        boolean isApi() {
            return path.startsWith("/api/");
        }

        boolean isWrite() {
            return !READ_METHODS.contains(method);
        }

        /** Path parameter {@code name} is sent as {@code value} instead of the placeholder id. */
        Route param(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(params);
            more.put(name, value);
            return new Route(method, path, access, Map.copyOf(more), form, json);
        }

        /** Form fields a page POST sends besides the CSRF token, as name, value, name, value... */
        Route form(String... namesAndValues) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
                fields.put(namesAndValues[i], namesAndValues[i + 1]);
            }
            return new Route(method, path, access, params, Map.copyOf(fields), json);
        }

        /** The JSON body an /api write sends instead of {}. */
        Route json(String body) {
            return new Route(method, path, access, params, form, body);
        }

        /** {@code sessionToken}: the CSRF token of the caller's session cookie, null when it has none. */
        Response fire(Caller caller, Csrf csrf, String sessionToken) {
            RequestSpecification request = caller.presentTo(given().redirects().follow(false), isApi());
            if (isWrite() && isApi()) {
                request.contentType(ContentType.JSON).body(json);
            } else if (isWrite()) {
                // sign-in takes the visitor token; every other form the token of the session it is sent with
                boolean signIn = path.equals("/login");
                request.cookies(csrf.cookies()).formParam(CSRF_FIELD,
                        signIn || sessionToken == null ? csrf.token() : sessionToken);
                form.forEach(request::formParam);
            }
            return request.request(method, concretePath());
        }

        String concretePath() {
            Matcher m = TEMPLATE.matcher(path);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(params.getOrDefault(m.group(1), PLACEHOLDER_ID)));
            }
            return m.appendTail(out).toString();
        }
    }

    static Route route(String methodAndPath, Access access) {
        String[] parts = methodAndPath.split(" ", 2);
        return new Route(parts[0], parts[1], access, Map.of(), Map.of(), "{}");
    }

    /** A CSRF cookie and the matching form token, as a browser holds them after loading any form. */
    record Csrf(Map<String, String> cookies, String token) {
        static Csrf fetch() {
            Response form = given().get("/login");
            form.then().statusCode(200);
            String token = form.htmlPath().getString("**.find { it.@name == '" + CSRF_FIELD + "' }.@value");
            assertThat(token).as("CSRF token on /login").isNotBlank();
            return new Csrf(form.getCookies(), token);
        }

        /** A {@code Cookie} header value with these cookies and, unless null, {@code session} as the session cookie. */
        String cookieHeader(String session) {
            StringBuilder header = new StringBuilder();
            cookies.forEach((name, value) -> header.append(name).append('=').append(value).append("; "));
            return session == null ? header.toString() : header + SessionTokens.SESSION_COOKIE + "=" + session;
        }
    }

    private static String render(Map<Route, Map<Caller, String>> matrix, List<Caller> callers) {
        int first = matrix.keySet().stream().mapToInt(r -> r.key().length() + r.access().name().length() + 3).max()
                .orElse(10);
        StringBuilder out = new StringBuilder("\nSecurity matrix: " + matrix.size() + " routes x " + callers.size()
                + " callers (status; >login = redirect to sign in; ! = wrong outcome)\n");
        out.append(String.format("%-" + first + "s", "route [rule]"));
        callers.forEach(c -> out.append(String.format(" %-11s", c.name())));
        out.append('\n');
        matrix.forEach((route, row) -> {
            out.append(String.format("%-" + first + "s", route.key() + " [" + route.access() + "]"));
            row.values().forEach(cell -> out.append(String.format(" %-11s", cell)));
            out.append('\n');
        });
        return out.toString();
    }
}
