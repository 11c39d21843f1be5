package dev.keyhouse.auth;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Sign-in settings, fed from JWT_* and SYSTEM_ADMIN_* (see EnvCatalog). */
@ConfigMapping(prefix = "keyhouse")
public interface AuthConfig {

    Jwt jwt();

    Admin admin();

    interface Jwt {
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

    interface Admin {
        /** SYSTEM_ADMIN_EMAIL: the bootstrap administrator's e-mail. */
        @WithDefault("admin@keyhouse.local")
        String email();

        /** SYSTEM_ADMIN_PASSWORD: the bootstrap administrator's password; a change resets it at the next start. */
        Optional<String> password();
    }
}
