package dev.keyhouse.rotation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The re-encryption job, from the environment through {@code application.properties}. */
@ConfigMapping(prefix = "keyhouse.rotation")
public interface RotationConfig {

    /**
     * Sealed values rewritten per database transaction ({@code ROTATION_BATCH_SIZE}). Each batch locks its rows only
     * until it commits, so smaller batches keep concurrent saves waiting less; larger ones finish sooner.
     */
    @WithDefault("500")
    int batchSize();
}
