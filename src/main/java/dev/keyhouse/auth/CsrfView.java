package dev.keyhouse.auth;

import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Named;

/**
 * The CSRF token of the page being rendered, for templates ({@code inject:csrf}): the session's token for a
 * signed-in page, the visitor token otherwise. Worked out by {@link CsrfFilter}; empty outside a JAX-RS request.
 */
@Named("csrf")
@RequestScoped
public class CsrfView {

    private final RoutingContext context;
    private final CsrfTokens tokens;

    public CsrfView(CurrentVertxRequest request, CsrfTokens tokens) {
        this.context = request.getCurrent();
        this.tokens = tokens;
    }

    /** The form field name, {@value CsrfTokens#FORM_FIELD}. */
    public String getParameterName() {
        return CsrfTokens.FORM_FIELD;
    }

    /** The token this page's forms and htmx requests carry. */
    public String getToken() {
        String token = context == null ? null : context.get(CsrfFilter.PAGE_TOKEN);
        return token == null ? "" : token;
    }

    /** The token of the sign-in form, which is sent before there is a session. */
    public String getVisitorToken() {
        String nonce = context == null ? null : context.get(CsrfFilter.NONCE);
        return nonce == null ? "" : tokens.forVisitor(nonce);
    }
}
