package dev.keyhouse.crypto;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** The encryption keys, from the environment through {@code application.properties}. */
@ConfigMapping(prefix = "keyhouse.crypto")
public interface CryptoConfig {

    /**
     * The current encryption key ({@code CREDENTIAL_ENCRYPTION_KEY}): standard base64 of 32 random bytes. Every
     * new value is sealed under it. Required; start-up fails without it.
     */
    Optional<String> key();

    /**
     * Earlier encryption keys ({@code CREDENTIAL_ENCRYPTION_KEY_PREVIOUS}), comma-separated, same format. They
     * only open values sealed before a rotation, until the rotation job has rewritten them all.
     */
    Optional<String> previousKeys();
}
