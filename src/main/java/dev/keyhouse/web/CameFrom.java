package dev.keyhouse.web;

import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Named;

/**
 * The page a request came from, for the error page's "Back to the page you came from" ({@code inject:cameFrom}): a
 * button form's refusal (a forged or missing {@code version}, say) then leads back to the form's page, not only to
 * the home page. Read from the {@code Referer} header, which the pages send for their own forms alone
 * ({@code Referrer-Policy: same-origin}); only its path and query are used, so the link always stays on this origin,
 * whatever a client sent (RFC 9110, section 10.1.3). None when it is the request's own path (a confirmation step
 * rendered by the POST it posts to again: no page answers that path to GET).
 */
@Named("cameFrom")
@RequestScoped
public class CameFrom {

    /** The longest path and query kept; a longer one is no page of Keyhouse's. */
    static final int MAX = 2048;

    private final String path;

    public CameFrom(CurrentVertxRequest request) {
        RoutingContext context = request.getCurrent();
        String came = context == null ? null : path(context.request().getHeader("Referer"));
        // the request's own path is no page to go back to: a confirmation step posted from the step it rendered
        // (b20 L3: its link answered 405 to GET)
        this.path = came != null && context.request().path() != null
                && came.split("\\?", 2)[0].equals(context.request().path()) ? null : came;
    }

    /** The path and query of the page the request came from; null when it sent none that can be linked. */
    public String getPath() {
        return path;
    }

    /**
     * The path and query of {@code referer}, an absolute URL or an absolute path; null when it has none, is longer
     * than {@link #MAX}, or is no path of this origin (a scheme-relative {@code //host}, a backslash, a control
     * character).
     */
    static String path(String referer) {
        if (referer == null || referer.isBlank() || referer.length() > MAX) {
            return null;
        }
        java.net.URI uri;
        try {
            uri = new java.net.URI(referer.strip());
        } catch (java.net.URISyntaxException e) {
            return null;
        }
        String path = uri.getRawPath();
        if (path == null || !path.startsWith("/") || path.startsWith("//") || path.contains("\\")) {
            return null;
        }
        String linked = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        return linked.chars().anyMatch(c -> c < 0x21 || c == 0x7f) ? null : linked;
    }
}
