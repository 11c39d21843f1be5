package dev.keyhouse.web;

import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Named;

/**
 * The CSRF token for the forms a page renders ({@code {inject:csrfField.token}}), as quarkus-rest-csrf's filter
 * left it on the request. Unlike that extension's own {@code csrf} bean it gives an empty token, not an exception,
 * when the filter set none: a page POST authenticated by a bearer token without a form body re-renders its page
 * (with a field error) and must not fail with a 500 because no token was made for it. Its forms then carry no token,
 * which the filter refuses if they are ever sent.
 */
@RequestScoped
@Named("csrfField")
public class CsrfField {

    /** The request attribute quarkus-rest-csrf (3.x, {@code CsrfRequestResponseReactiveFilter}) stores the token in. */
    static final String ATTRIBUTE = "csrf_token";

    private final RoutingContext context;

    public CsrfField(RoutingContext context) {
        this.context = context;
    }

    /** The token, or "" when the filter made none for this request. */
    public String token() {
        Object token = context.get(ATTRIBUTE);
        return token == null ? "" : token.toString();
    }
}
