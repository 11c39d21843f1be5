package dev.keyhouse.settings;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * What each kind's fallbacks were when this transaction first locked the kind ({@link ProviderSettings#lock}), before
 * it wrote anything: a rollout planned later in the same transaction holds its runtimes not yet moved on it
 * ({@link HeldFallbacks}). One per transaction; every write of a kind (a save, a rollback, a make-primary, any
 * fallback's change) locks the kind first, so this is the configuration the change replaced.
 */
@jakarta.transaction.TransactionScoped
public class FallbacksBefore implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Map<String, HeldFallbacks> kinds = new HashMap<>();

    /** Keeps {@code held} for {@code kind} unless this transaction recorded it already (the first lock's). */
    void remember(String kind, java.util.function.Supplier<HeldFallbacks> held) {
        kinds.computeIfAbsent(kind, k -> held.get());
    }

    /** What was remembered for {@code kind}, or null when this transaction did not lock it. */
    HeldFallbacks get(String kind) {
        return kinds.get(kind);
    }
}
