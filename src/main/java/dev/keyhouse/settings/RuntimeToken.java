package dev.keyhouse.settings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

import dev.keyhouse.web.Problem;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The runtimes' own credential, PROVISIONER_INTERNAL_TOKEN: the only one the internal endpoints
 * ({@code /api/v1/internal/runtime-config}, {@code /api/v1/internal/runtime-status}) accept. Compared as SHA-256
 * digests in constant time; no user credential (admin bearer, session cookie) is ever accepted in its place.
 */
@ApplicationScoped
public class RuntimeToken {

    private final Optional<byte[]> tokenDigest;

    public RuntimeToken(@ConfigProperty(name = "keyhouse.runtime-config.token") Optional<String> token) {
        this.tokenDigest = token.filter(t -> !t.isBlank()).map(RuntimeToken::digest);
    }

    /**
     * The 401 problem answer for an {@code Authorization} header that is not {@code Bearer <token>} (or when no
     * token is configured, which disables the internal endpoints), else null: the caller is a runtime.
     */
    public Response refusal(String authorization) {
        if (tokenDigest.isEmpty()) {
            return unauthorized("the internal runtime endpoints are disabled: PROVISIONER_INTERNAL_TOKEN is not set");
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                // digests have one length, so the comparison takes the same time whatever was presented
                || !MessageDigest.isEqual(tokenDigest.get(), digest(authorization.substring(7).strip()))) {
            return unauthorized("present Authorization: Bearer <PROVISIONER_INTERNAL_TOKEN>");
        }
        return null;
    }

    private static Response unauthorized(String detail) {
        return Response.status(401).type(Problem.MEDIA_TYPE).header("WWW-Authenticate", "Bearer")
                .entity(Problem.of(401, "Unauthorized", detail)).build();
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
