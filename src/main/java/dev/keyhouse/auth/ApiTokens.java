package dev.keyhouse.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/** Creating, using and revoking API tokens. A token is shown once, at creation; only its SHA-256 is kept. */
@ApplicationScoped
public class ApiTokens {

    /** Every token starts with this, so the mechanism can tell it from a JWT without a lookup. */
    public static final String PREFIX = "kh_";
    private static final Duration LAST_USE_PRECISION = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A token just created: the only moment its value exists outside the caller's hands. */
    public record Created(ApiToken token, String value) {
        @Override
        public String toString() {
            return "Created[" + token + "]";
        }
    }

    @Transactional
    public Created create(String name, Role role, Long createdBy) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String value = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        ApiToken token = new ApiToken();
        token.name = name;
        token.role = role;
        token.tokenHash = hash(value);
        token.hint = value.substring(0, PREFIX.length() + 4);
        token.createdBy = createdBy;
        token.persist();
        return new Created(token, value);
    }

    /** A token accepted for a request, and the role it acts with there. */
    public record Used(ApiToken token, Role role) {
    }

    /**
     * The live token with this value, its last use recorded; empty when unknown, revoked, or made by a user who is
     * now disabled. It acts with its own role, lowered to its creator's current one: a demoted admin's admin tokens
     * act as viewer tokens (a token made by another token, with no user behind it, keeps its own role).
     */
    @Transactional
    public Optional<Used> use(String value) {
        Optional<ApiToken> found = ApiToken.findByHash(hash(value)).filter(t -> !t.isRevoked());
        if (found.isEmpty()) {
            return Optional.empty();
        }
        ApiToken token = found.get();
        User creator = token.createdBy == null ? null : User.findById(token.createdBy);
        if (creator != null && creator.disabled) {
            return Optional.empty();
        }
        Role role = creator != null && creator.role == Role.VIEWER ? Role.VIEWER : token.role;
        found.ifPresent(t -> {
            Instant now = Instant.now();
            // one write a minute at most, however busy the automation
            if (t.lastUsedAt == null || t.lastUsedAt.isBefore(now.minus(LAST_USE_PRECISION))) {
                t.lastUsedAt = now;
            }
        });
        return Optional.of(new Used(token, role));
    }

    static String hash(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
