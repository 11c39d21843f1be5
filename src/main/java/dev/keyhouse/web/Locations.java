package dev.keyhouse.web;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * Responses whose {@code Location} is a path on this server, sent exactly as given: relative, as RFC 9110 (section
 * 10.2.2, formerly RFC 7231 section 7.1.2) allows. JAX-RS' own {@code Response.seeOther(URI)}, {@code created(URI)}
 * and {@code location(URI)} resolve a relative URI against the request's base URI, whose host is whatever the
 * client sent in {@code Host}; building every Location here keeps a forged {@code Host} out of every redirect.
 */
public final class Locations {

    private Locations() {
    }

    /** 303 See Other to {@code path}. */
    public static Response.ResponseBuilder seeOther(String path) {
        return at(Response.status(Response.Status.SEE_OTHER), path);
    }

    /** 201 Created, naming the new resource's {@code path}. */
    public static Response.ResponseBuilder created(String path) {
        return at(Response.status(Response.Status.CREATED), path);
    }

    /**
     * Sets {@code Location} on {@code response} to {@code path}.
     *
     * @param path an absolute path on this server ({@code /admin/users?done=x}), already URL-encoded
     * @throws IllegalArgumentException when {@code path} is not such a path (a scheme, {@code //host}, a backslash)
     */
    public static Response.ResponseBuilder at(Response.ResponseBuilder response, String path) {
        if (!isLocalPath(path)) {
            throw new IllegalArgumentException("not a local path");
        }
        return response.header(HttpHeaders.LOCATION, path);
    }

    /**
     * Whether {@code path} is a path on this server that a browser resolves against this server whatever the host:
     * starts with one {@code /} (so neither {@code //host} nor a scheme), no backslash (which browsers read as
     * {@code /}), only printable ASCII (so already URL-encoded, and no header splitting).
     */
    public static boolean isLocalPath(String path) {
        return path != null && path.startsWith("/") && !path.startsWith("//") && !path.contains("\\")
                && path.chars().allMatch(c -> c > ' ' && c < 0x7f);
    }
}
