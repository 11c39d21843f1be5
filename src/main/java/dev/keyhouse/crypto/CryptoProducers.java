package dev.keyhouse.crypto;

import static dev.keyhouse.config.EnvCatalog.CREDENTIAL_ENCRYPTION_KEY;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Builds the key ring and the cipher once, at start, so a bad key stops start-up instead of a later request. */
@ApplicationScoped
public class CryptoProducers {

    private static final Logger LOG = Logger.getLogger(CryptoProducers.class);

    @Produces
    @Singleton
    @Startup
    KeyRing keyRing(CryptoConfig config) {
        KeyRing ring = KeyRing.fromEnvironment(
                config.key().orElseThrow(() -> new KeyConfigurationException(CREDENTIAL_ENCRYPTION_KEY,
                        " is not set; generate one with `openssl rand -base64 32`")),
                config.previousKeys().orElse(""));
        LOG.infof("encryption keys: current %s, previous %s", KeyRing.hex(ring.currentKeyId()),
                ring.previousKeyIds().stream().map(KeyRing::hex).toList());
        return ring;
    }

    @Produces
    @Singleton
    CredentialCipher credentialCipher(KeyRing ring) {
        return new CredentialCipher(ring);
    }
}
