package dev.keyhouse.auth;

import java.util.Set;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.WithFormRead;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveContainerRequestContext;

import dev.keyhouse.web.KeyhouseException;
import dev.keyhouse.web.SessionCookie;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

/**
 * CSRF protection for every JAX-RS request (see {@link CsrfTokens} for the tokens).
 *
 * <ul>
 * <li>A state-changing request (any method but GET, HEAD and OPTIONS) authenticated by the session cookie must carry
 * its session's token in the {@value CsrfTokens#FORM_FIELD} form field (urlencoded or multipart bodies) or the
 * {@value CsrfTokens#HEADER} header, whatever its content type; else it is refused with 403 before the resource
 * runs (problem+json under {@code /api}, the error page elsewhere).</li>
 * <li>Requests authenticated by {@code Authorization: Bearer} (a {@code kh_} API token, or a JWT when no session
 * cookie is sent: SmallRye JWT reads the cookie first) and anonymous ones need no token: a browser adds no such
 * header to a cross-site request on its own, and an anonymous request can do nothing its body does not
 * authenticate.</li>
 * <li>The sign-in form ({@link SignInForm}) carries the visitor token instead, checked against the
 * {@value CsrfTokens#VISITOR_COOKIE} cookie; an HTML response to a visitor without that cookie sets one.</li>
 * </ul>
 *
 * The token pages embed is worked out here too and read by templates through {@link CsrfView}. Runs after Quarkus
 * REST matched the resource (an unknown path, method or content type is 404, 405 or 415 first) and after its
 * {@code @RolesAllowed} check.
 */
public class CsrfFilter {

    static final String NONCE = "keyhouse.csrf.nonce";
    static final String NEW_NONCE = "keyhouse.csrf.new-nonce";
    static final String PAGE_TOKEN = "keyhouse.csrf.page-token";
    private static final Set<String> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    @Inject
    CsrfTokens tokens;
    @Inject
    CurrentIdentityAssociation identities;

    /** Refuses a cookie-authenticated write without its session's token; records the page's token. */
    @ServerRequestFilter
    @WithFormRead
    public Uni<Void> check(ResteasyReactiveContainerRequestContext request, RoutingContext context,
            ResourceInfo resource) {
        Cookie visitorCookie = context.request().getCookie(CsrfTokens.VISITOR_COOKIE);
        String cookieNonce = visitorCookie != null && CsrfTokens.isNonce(visitorCookie.getValue())
                ? visitorCookie.getValue() : null;
        String nonce = cookieNonce != null ? cookieNonce : tokens.newNonce();
        context.put(NONCE, nonce);
        context.put(NEW_NONCE, cookieNonce == null);
        boolean write = !SAFE.contains(request.getMethod());
        String presented = write ? presented(request) : null;
        if (write && resource.getResourceMethod() != null
                && resource.getResourceMethod().isAnnotationPresent(SignInForm.class)) {
            context.put(PAGE_TOKEN, tokens.forVisitor(nonce));
            return tokens.matchesVisitor(cookieNonce, presented) ? Uni.createFrom().voidItem()
                    : Uni.createFrom().failure(new Refused());
        }
        return sessionId(request, context).map(jti -> {
            context.put(PAGE_TOKEN, jti == null ? tokens.forVisitor(nonce) : tokens.forSession(jti));
            if (write && jti != null && !tokens.matchesSession(jti, presented)) {
                throw new Refused();
            }
            return null;
        });
    }

    /** Sets the visitor cookie on an HTML answer to a visitor who had none (the sign-in form needs it). */
    @ServerResponseFilter
    public void visitorCookie(ContainerResponseContext response, RoutingContext context) {
        MediaType type = response.getMediaType();
        if (Boolean.TRUE.equals(context.get(NEW_NONCE)) && type != null && type.isCompatible(MediaType.TEXT_HTML_TYPE)) {
            response.getHeaders().add(HttpHeaders.SET_COOKIE, SessionCookie.visitor(context.request(), context.get(NONCE)));
        }
    }

    /**
     * The {@code jti} of the session JWT the request is authenticated by through the session cookie; null when it
     * carries no session cookie, the cookie is refused, or the request is authenticated by a bearer header.
     */
    private Uni<String> sessionId(ResteasyReactiveContainerRequestContext request, RoutingContext context) {
        if (context.request().getCookie(SessionTokens.SESSION_COOKIE) == null) {
            return Uni.createFrom().nullItem();
        }
        return identities.getDeferredIdentity()
                .onFailure().recoverWithNull()
                .map(identity -> cookieSession(identity, request.getHeaderString(HttpHeaders.AUTHORIZATION)));
    }

    /**
     * The {@code jti} of the session JWT {@code identity} holds when it came from the session cookie, not from an
     * {@code Authorization} bearer header carrying the same token; null when it did not ({@code ""} for a session
     * without a jti).
     */
    static String cookieSession(SecurityIdentity identity, String authorization) {
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return null;
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && authorization.substring(7).strip().equals(jwt.getRawToken())) {
            return null;
        }
        // a session without a jti cannot have a token: an empty id makes every write fail the check
        return jwt.getTokenID() == null ? "" : jwt.getTokenID();
    }

    /** The token in the header, else in the form field of an urlencoded or multipart body; null when neither. */
    private static String presented(ResteasyReactiveContainerRequestContext request) {
        String header = request.getHeaderString(CsrfTokens.HEADER);
        if (header != null) {
            return header;
        }
        MediaType type = request.getMediaType();
        if (type == null || !(type.isCompatible(MediaType.APPLICATION_FORM_URLENCODED_TYPE)
                || type.isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE))) {
            return null;
        }
        Object field = ((ResteasyReactiveRequestContext) request.getServerRequestContext())
                .getFormParameter(CsrfTokens.FORM_FIELD, true, false);
        return field instanceof String text ? text : null;
    }

    /** A write without the token of its session: 403, nothing done. */
    static final class Refused extends KeyhouseException {
        Refused() {
            super(403, "the request has no valid CSRF token for this session; reload the page and try "
                    + "again (forms send the " + CsrfTokens.FORM_FIELD + " field, scripts the " + CsrfTokens.HEADER
                    + " header, or use a bearer token)");
        }
    }
}
