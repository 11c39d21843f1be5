package dev.keyhouse.settings;

/**
 * Fired synchronously when the runtime-config endpoint serves a runtime that named itself in
 * {@code X-Keyhouse-Runtime}, so the runtimes feature can record which LLM key each runtime came back with. Only a
 * served answer (the whole set, or the partial set the runtime asked for) fires it: a withheld one (503) does not,
 * since a runtime that cannot get its configuration has not come back on any key. It may fire on the event loop (an
 * answer from memory): observers note it and return, never block (see {@code runtimes.RuntimeAcks}).
 *
 * @param runtime the runtime's name, already checked by {@link #runtimeName(String)}
 * @param version the settings version it was served
 * @param llmKeyFingerprint the keyed fingerprint of the LLM key it was served, or null when none
 * @param heldConfiguration the configuration's name when an open rollout held it back ({@code 112-h3fa9c2e1},
 *        {@link ProviderEnvironment.RuntimeEnvironment#configuration()}); null for the current configuration
 * @param heldPins the kinds that held configuration serves at an earlier version ({@code stt:4}); null when none
 */
public record RuntimeConfigServed(String runtime, long version, String llmKeyFingerprint, String heldConfiguration,
        String heldPins) {

    /** A fetch of the current configuration. */
    public RuntimeConfigServed(String runtime, long version, String llmKeyFingerprint) {
        this(runtime, version, llmKeyFingerprint, null, null);
    }

    /** Longest runtime name recorded. */
    public static final int MAX_NAME_LENGTH = 200;

    /**
     * Why the request's {@code X-Keyhouse-Runtime} cannot name one runtime because it was sent more than once
     * ("must be sent once (it was sent 2 times)"), or null when it was sent at most once. Which one names the
     * runtime is not for Keyhouse to guess: the first could take another target's shared secrets or escape a
     * rollout pin.
     */
    public static String repeated(jakarta.ws.rs.core.HttpHeaders headers) {
        java.util.List<String> sent = headers.getRequestHeader("X-Keyhouse-Runtime");
        return sent == null || sent.size() < 2 ? null : "must be sent once (it was sent " + sent.size() + " times)";
    }

    /** The header's value when it is a usable name (1 to 200 printable ASCII characters), else null: ignored. */
    public static String runtimeName(String header) {
        if (header == null) {
            return null;
        }
        String name = header.strip();
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return null;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return null;
            }
        }
        return name;
    }
}
