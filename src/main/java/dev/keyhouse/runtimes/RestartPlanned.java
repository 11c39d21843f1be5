package dev.keyhouse.runtimes;

/** Fired inside the transaction that planned a restart run; the executor starts on it once that commits. */
public record RestartPlanned(long runId) {
}
