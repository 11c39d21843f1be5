package dev.keyhouse.settings;

import java.time.Duration;

import io.quarkus.arc.Arc;

/**
 * For tests that write provider settings, sealed values or rollout rows with plain SQL, as another replica would:
 * runs the write and returns once this application's {@link EnvironmentListener} has received its notification,
 * so the next runtime-config call is past the window in which a replica may still answer from memory.
 */
public final class Notified {

    private Notified() {
    }

    /** Runs {@code write} (which must commit a change) and waits up to 10 s for its notification when listening. */
    public static void commit(Runnable write) {
        ProviderEnvironment environment = Arc.container().instance(ProviderEnvironment.class).get();
        boolean listening = environment.listening();
        long before = environment.generation();
        write.run();
        if (!listening) {
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (environment.generation() == before) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no keyhouse_environment notification within 10 s of a committed change");
            }
            Thread.onSpinWait();
        }
    }
}
