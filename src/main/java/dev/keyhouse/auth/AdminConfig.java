package dev.keyhouse.auth;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The bootstrap administrator, fed from SYSTEM_ADMIN_* (see EnvCatalog). */
@ConfigMapping(prefix = "keyhouse.admin")
public interface AdminConfig {

    /** SYSTEM_ADMIN_EMAIL: the bootstrap administrator's e-mail. */
    @WithDefault("admin@keyhouse.local")
    String email();

    /** SYSTEM_ADMIN_PASSWORD: the bootstrap administrator's password; a change resets it at the next start. */
    Optional<String> password();
}
