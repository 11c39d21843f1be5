package dev.keyhouse.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import dev.keyhouse.audit.RefusedAttempts;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place failures become responses: problem+json under {@code /api}, a page (or a redirect to sign in)
 * everywhere else. No stack trace ever leaves the server; 4xx are logged at DEBUG, 5xx at ERROR.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    @CheckedTemplate(basePath = "errors")
    static class Templates {
        static native TemplateInstance error(int status, String title, String detail);
    }

    @Inject
    RefusedAttempts refusals;

    @Inject
    CurrentVertxRequest vertxRequest;

    /** A refused write (the only 403 among them: a session's write without its CSRF token) is audited first. */
    @ServerExceptionMapper
    public Uni<Response> keyhouse(KeyhouseException e, HttpServerRequest request) {
        LOG.debugf("%s %s: %d %s", request.method(), request.path(), e.status(), e.getMessage());
        List<FieldErrors.FieldError> fields = e instanceof FieldErrors f ? f.errors() : List.of();
        Response answer = respond(request, Problem.of(e.status(), e.getMessage(), fields,
                e.extensions()));
        return e.status() != 403 ? Uni.createFrom().item(answer)
                : refusals.record(RefusedAttempts.CSRF_REFUSED, request.method().name(), request.path(),
                        "no valid CSRF token for this session").replaceWith(answer);
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class,
            AuthenticationCompletionException.class})
    public Response unauthenticated(RuntimeException e, HttpServerRequest request) {
        LOG.debugf("%s %s: not signed in (%s)", request.method(), request.path(), e.getClass().getSimpleName());
        if (isApi(request)) {
            return Response.status(401).type(Problem.MEDIA_TYPE).header("WWW-Authenticate", "Bearer")
                    .entity(Problem.of(401, "sign in or present a valid bearer token")).build();
        }
        String back = request.method().name().equals("GET") ? request.uri() : "/admin";
        return Locations.seeOther("/login?next=" + URLEncoder.encode(back, StandardCharsets.UTF_8))
                // a stale or forged session cookie is dropped, so the browser does not loop on it
                .header("Set-Cookie", SessionCookie.clear(request))
                .build();
    }

    /** A signed-in caller whose role does not allow the request: 403, and an {@code access.denied} audit entry. */
    @ServerExceptionMapper
    public Uni<Response> forbidden(ForbiddenException e, HttpServerRequest request) {
        LOG.debugf("%s %s: forbidden", request.method(), request.path());
        Response answer = respond(request, Problem.of(403, "your role does not allow this"));
        return refusals.record(RefusedAttempts.ACCESS_DENIED, request.method().name(), request.path(),
                "the role does not allow this").replaceWith(answer);
    }

    // MismatchedInputException is named too: quarkus-rest-jackson maps it itself (priority 5100, bodiless 400),
    // and an exact type match at the default priority (5000) is what takes it over.
    @ServerExceptionMapper({JsonProcessingException.class, MismatchedInputException.class})
    public Response json(JsonProcessingException e, HttpServerRequest request) {
        String field = e instanceof JsonMappingException m ? path(m) : "";
        String message;
        String duplicate = duplicateKey(e);
        if (duplicate != null) {
            field = duplicate;
            message = "is given more than once";
        } else if (e instanceof StreamConstraintsException) {
            // Jackson's stream limits: nesting depth 1000, numbers of 1000 digits, strings of 20 M characters
            field = "body";
            message = e.getOriginalMessage().startsWith("Document nesting") ? "is nested too deeply"
                    : "has a number or a text longer than Keyhouse reads";
        } else if (e instanceof UnrecognizedPropertyException) {
            message = "is not a known field";
        } else if (e instanceof InvalidFormatException || e instanceof MismatchedInputException) {
            message = "has the wrong type";
        } else {
            message = "is not valid JSON";
            field = "body";
        }
        // a member's name is input too (a secret pasted as a key): named only when plain, in the answer and the log
        field = field.isEmpty() ? "body" : FieldErrors.shownName(field);
        // the class and location only: a parser's message quotes the body ("Unrecognized token '<password>'")
        com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
        LOG.debugf("%s %s: bad JSON at %s (%s, line %d, column %d)", request.method(), request.path(),
                field, e.getClass().getSimpleName(), at == null ? -1 : at.getLineNr(),
                at == null ? -1 : at.getColumnNr());
        return respond(request, Problem.of(400, "the request body is invalid",
                List.of(new FieldErrors.FieldError(field, message))));
    }

    /**
     * A form body or query string that is not valid URL-encoding ({@code %zz}, a lone {@code %}, an escape that is
     * not UTF-8): RESTEasy Reactive's decoder throws a plain {@link IllegalArgumentException} whose message quotes
     * the raw text (it may hold a password), so neither the message nor the exception is logged. Any other
     * {@code IllegalArgumentException} is a fault of the server.
     */
    @ServerExceptionMapper
    public Response illegalArgument(IllegalArgumentException e, HttpServerRequest request) {
        if (e.getMessage() == null || !e.getMessage().startsWith("Failed to decode URL")) {
            return unexpected(e, request);
        }
        String part = MalformedRequests.isUrlEncoded(request.query()) ? "body" : "query";
        LOG.debugf("%s %s: the %s is not valid URL-encoding", request.method(), request.path(), part);
        return respond(request, Problem.of(400, "the request is not valid"
                + " URL-encoding", List.of(new FieldErrors.FieldError(part, "has an invalid %-escape or is not UTF-8"))));
    }

    /**
     * A refusal of the HTTP layer or RESTEasy (404 of no route, 405, 415, 413, a filter's 400). RESTEasy may refuse
     * before anything asked who is signed in (on the event loop, where that cannot be asked without blocking): the
     * session is read first ({@link #whoIsSignedIn}), so the page has the top bar of who is signed in.
     */
    @ServerExceptionMapper
    public Uni<Response> web(WebApplicationException e, HttpServerRequest request) {
        // quarkus-rest-jackson wraps unparseable JSON in a plain 400; name the body like any other JSON problem
        if (e.getCause() instanceof JsonProcessingException json) {
            return Uni.createFrom().item(json(json, request));
        }
        int status = e.getResponse().getStatus();
        if (status < 400) {
            return Uni.createFrom().item(e.getResponse());
        }
        LOG.debugf("%s %s: %d", request.method(), request.path(), status);
        Uni<Void> known = isApi(request) ? Uni.createFrom().voidItem() : whoIsSignedIn();
        return known.map(ignored -> respond(request, generic(status, request)));
    }

    /**
     * Resolves the request's deferred identity (authentication is lazy: {@code quarkus.http.auth.proactive=false})
     * and sets it on the routing context, where an error page rendered on the event loop finds it
     * ({@link SessionView}); a refused or absent credential leaves a visitor. The user's look-up runs on a worker.
     */
    private Uni<Void> whoIsSignedIn() {
        io.vertx.ext.web.RoutingContext context = vertxRequest.getCurrent();
        if (context == null || context.user() != null) {
            return Uni.createFrom().voidItem();
        }
        return QuarkusHttpUser.getSecurityIdentity(context, null).onFailure().recoverWithNull()
                .invoke(identity -> {
                    if (identity != null && !identity.isAnonymous() && context.user() == null) {
                        QuarkusHttpUser.setIdentity(identity, context);
                    }
                }).replaceWithVoid();
    }

    /**
     * Anything else is a fault of the server (ERROR, with its stack), except a client that hung up before its request
     * was read (a body shorter than its {@code Content-Length}, a reset): that is the client's doing, logged at DEBUG by
     * class only, and the answer goes nowhere.
     */
    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e, HttpServerRequest request) {
        if (clientHungUp(e)) {
            LOG.debugf("%s %s: the client closed the connection (%s)", request.method(), request.path(),
                    e.getClass().getSimpleName());
            return Response.status(400).build();
        }
        if (poolExhausted(e)) {
            // overload, not a fault: say so and when to retry (a runtime's fetch loop, a script), no stack trace
            LOG.warnf("%s %s answered 503 (busy): every pooled database connection stayed in use for the pool's"
                    + " acquisition timeout", request.method(), request.path());
            return unavailable(request, "Keyhouse is busy (every database connection is in use); retry in a moment");
        }
        String lost = databaseLost(e);
        if (lost != null) {
            // the database is down or dropped the connection: a condition to wait out, not a bug; class and SQL
            // state only (a driver message may name the host)
            LOG.warnf("%s %s answered 503: the database connection failed (SQL state %s)", request.method(),
                    request.path(), lost);
            return unavailable(request, "Keyhouse cannot reach its database; retry in a moment");
        }
        LOG.errorf(e, "%s %s failed", request.method(), request.path());
        return respond(request, generic(500, request));
    }

    /**
     * The answer of a {@code status} that has no reason of its own (the HTTP layer's 404, 405, 413, 415, a filter's
     * bare 400): its reason from {@link ErrorWording}; a 413 names the limit and the part it refused.
     */
    static Problem generic(int status, HttpServerRequest request) {
        if (status == 413) {
            return ErrorWording.tooLarge(request).problem();
        }
        return Problem.of(status, status == 404 ? ErrorWording.notFound(request.path())
                : ErrorWording.reason(status));
    }

    /**
     * The error page of {@code problem} as HTML, for an answer made outside RESTEasy (a Vert.x route, before the
     * request context exists): the same template and layout as every other error page. The request context is
     * activated for the rendering when none is, bound to {@code context}: the top bar is of the identity the caller
     * set on it ({@link io.quarkus.vertx.http.runtime.security.QuarkusHttpUser}), a visitor's when none.
     */
    static String page(Problem problem, io.vertx.ext.web.RoutingContext context) {
        io.quarkus.arc.ManagedContext requests = io.quarkus.arc.Arc.container().requestContext();
        boolean activated = !requests.isActive();
        if (activated) {
            requests.activate();
            io.quarkus.arc.Arc.container().instance(CurrentVertxRequest.class).get().setCurrent(context);
        }
        try {
            return Templates.error(problem.status(), problem.title(), reason(problem)).render();
        } finally {
            if (activated) {
                requests.terminate();
            }
        }
    }

    /** The one line an error page shows: the field errors as "field: message; …", else the detail. */
    static String reason(Problem problem) {
        // a size limit's answer says the part and the limit in its detail, as one sentence
        return problem.status() == 413 || problem.errors() == null || problem.errors().isEmpty() ? problem.detail()
                : problem.errors().stream().map(ProblemMapper::shown).collect(Collectors.joining("; "));
    }

    /**
     * A field's error as an error page says it: "actor: has the control character …"; a message that goes on from the
     * field's value ("7 does not exist (current is 2)", a hidden {@code version}) as the one sentence
     * "version 7 does not exist (current is 2)", as the forms say it.
     */
    private static String shown(FieldErrors.FieldError error) {
        boolean value = !error.message().isEmpty() && Character.isDigit(error.message().charAt(0));
        return error.field() + (value ? " " : ": ") + error.message();
    }

    private static Response respond(HttpServerRequest request, Problem problem) {
        if (isApi(request)) {
            return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
        }
        return Response.status(problem.status()).type(MediaType.TEXT_HTML_TYPE)
                .entity(Templates.error(problem.status(), problem.title(), reason(problem))).build();
    }

    private static Response unavailable(HttpServerRequest request, String detail) {
        Response answer = respond(request, Problem.of(503, detail));
        return Response.fromResponse(answer).header("Retry-After", "1").build();
    }

    /**
     * The SQL state when {@code e}, or a cause of it, says the database connection failed: class 08 (connection
     * exception), 57P01-57P03 (the server shutting down, crashed or not yet accepting); else null.
     */
    static String databaseLost(Throwable e) {
        return causes(e).filter(java.sql.SQLException.class::isInstance)
                .map(t -> ((java.sql.SQLException) t).getSQLState())
                .filter(state -> state != null && (state.startsWith("08") || state.startsWith("57P")))
                .findFirst().orElse(null);
    }

    /** Whether {@code e}, or a cause of it, is Agroal's "acquisition timeout": every pooled connection stayed busy. */
    static boolean poolExhausted(Throwable e) {
        return causes(e).anyMatch(t -> t instanceof java.sql.SQLException && t.getMessage() != null
                && t.getMessage().contains("acquisition timeout"));
    }

    /**
     * Whether {@code e}, or a cause of it, says the client closed or reset the connection (a cause under an
     * {@link java.sql.SQLException} is the database's connection, never the client's).
     */
    static boolean clientHungUp(Throwable e) {
        return causes(e).takeWhile(t -> !(t instanceof java.sql.SQLException)).anyMatch(t -> {
            if (t instanceof io.vertx.core.http.HttpClosedException
                    || t instanceof java.nio.channels.ClosedChannelException) {
                return true;
            }
            String message = t.getMessage();
            return (t instanceof java.io.IOException || t instanceof io.vertx.core.VertxException) && message != null
                    && (message.contains("Connection was closed") || message.contains("Connection reset")
                            || message.contains("Broken pipe"));
        });
    }

    /** {@code e} and its causes, outermost first. */
    private static java.util.stream.Stream<Throwable> causes(Throwable e) {
        return java.util.stream.Stream.iterate(e, t -> t != null, t -> t.getCause() == t ? null : t.getCause());
    }

    static boolean isApi(HttpServerRequest request) {
        return request.path().startsWith("/api/");
    }

    /** The key Jackson's duplicate detection found twice ({@code Duplicate field 'email'}), or null. */
    private static String duplicateKey(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        if (message == null || !message.startsWith("Duplicate field '")) {
            return null;
        }
        int end = message.lastIndexOf('\'');
        String key = end > 17 ? message.substring(17, end) : "body";
        // a key is named back to the client only when it looks like one, never as arbitrary text
        return FieldErrors.shownName(key).equals(key) ? key : "body";
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }
}
