package dev.keyhouse.settings;

import java.util.Set;

/**
 * Which runtime targets a runtime belongs to, by the name it gives itself in {@code X-Keyhouse-Runtime}: what decides
 * the shared secrets runtime-config serves it ({@link ProviderEnvironment.RuntimeEnvironment#receivedBy}).
 * Implemented by the runtimes package, which knows its targets' runtimes.
 */
public interface RuntimeReceivers {

    /**
     * The ids of the targets the runtime belongs to; empty when it is known to none. Runs one short query; never
     * holds a connection while waiting for anything else.
     */
    Set<Long> targetsOf(String runtime);

    /**
     * Every runtime known to a target, read in one query, to be matched in memory (the runtime-config cache). Valid
     * until the next change of {@code restart_results} or {@code runtime_targets}, which notifies
     * {@code keyhouse_environment}.
     */
    Known known();

    /** A snapshot of the targets' known runtimes. */
    interface Known {

        /** As {@link RuntimeReceivers#targetsOf} would answer from the same rows. */
        Set<Long> targetsOf(String runtime);
    }
}
