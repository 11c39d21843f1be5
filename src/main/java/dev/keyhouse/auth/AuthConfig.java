package dev.keyhouse.auth;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Token signing settings, fed from JWT_* (see EnvCatalog). */
@ConfigMapping(prefix = "keyhouse.jwt")
public interface AuthConfig {

    /** JWT_SECRET_KEY: base64 of the HMAC key that signs new tokens. */
    Optional<String> key();

    /** JWT_SECRET_KEY_PREVIOUS: base64 of the key tokens were signed with before a rotation. */
    Optional<String> previousKey();

    /** JWT_ALGORITHM: HS256, HS384 or HS512. */
    @WithDefault("HS256")
    String algorithm();

    /** JWT_EXPIRE_MINUTES: lifetime of sessions and access tokens. */
    @WithDefault("1440")
    int expireMinutes();
}
