package dev.keyhouse.runtimes;

/**
 * A driver stopped a restart itself at the executor's deadline ({@link RestartOrder#deadline}) and hands back what
 * the runtime said until then (breaker b9 M3: a command that printed "waiting for lock …" and hung). The executor
 * records it as timed out, as if its own timeout had stopped the call, with this detail after its reason.
 */
public final class RestartTimedOut extends Exception {

    /**
     * @param detail what follows the executor's reason: the runtime's last output, already bounded, masked and marked
     *            off ({@link RuntimeOutput#quote}), after "last output:"; "" when it said nothing
     */
    public RestartTimedOut(String detail) {
        super(detail, null, false, false);
    }
}
