package dev.keyhouse.settings;

/**
 * Fired inside a transaction that changed what runtime-config serves other than a provider setting (a shared secret
 * created, changed or deleted). Once it commits, this replica's {@link ProviderEnvironment} drops its cache and the
 * request waits for the {@link ReplicaBarrier}, as after a {@link SettingSaved}.
 *
 * @param what what changed, for logs: e.g. {@code shared secret voxcore}; never a value
 */
public record EnvironmentChanged(String what) {
}
