package dev.keyhouse.auth;

import dev.keyhouse.web.SessionView;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Named;
import jakarta.ws.rs.core.HttpHeaders;

/**
 * The CSRF token of the page being rendered, for templates ({@code inject:csrf}): the session's token for a
 * signed-in page, the visitor token otherwise. Worked out by {@link CsrfFilter}; an error page rendered before that
 * filter ran (a 404 of the router, a 413) gets its session's token from who is signed in by the session cookie, so
 * its top bar can sign out; empty when nobody is.
 */
@Named("csrf")
@RequestScoped
public class CsrfView {

    private final RoutingContext context;
    private final CsrfTokens tokens;

    private final SessionView session;

    public CsrfView(CurrentVertxRequest request, CsrfTokens tokens, SessionView session) {
        this.context = request.getCurrent();
        this.tokens = tokens;
        this.session = session;
    }

    /** The form field name, {@value CsrfTokens#FORM_FIELD}. */
    public String getParameterName() {
        return CsrfTokens.FORM_FIELD;
    }

    /** The token this page's forms and htmx requests carry. */
    public String getToken() {
        String token = context == null ? null : context.get(CsrfFilter.PAGE_TOKEN);
        if (token != null) {
            return token;
        }
        SecurityIdentity identity = session.identity();
        if (identity == null || context == null
                || context.request().getCookie(SessionTokens.SESSION_COOKIE) == null) {
            return "";
        }
        String jti = CsrfFilter.cookieSession(identity, context.request().getHeader(HttpHeaders.AUTHORIZATION));
        return jti == null || jti.isEmpty() ? "" : tokens.forSession(jti);
    }

    /** The token of the sign-in form, which is sent before there is a session. */
    public String getVisitorToken() {
        String nonce = context == null ? null : context.get(CsrfFilter.NONCE);
        return nonce == null ? "" : tokens.forVisitor(nonce);
    }
}
