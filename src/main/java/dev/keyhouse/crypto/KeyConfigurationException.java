package dev.keyhouse.crypto;

/**
 * An encryption key in the environment is missing or unusable. The message names the variable and never
 * contains key material, so it is safe to print at start-up.
 */
public final class KeyConfigurationException extends IllegalArgumentException {

    private final String variable;

    /** @param problem what is wrong, starting with a space: {@code " is not set"}, {@code " (entry 2) is ..."} */
    public KeyConfigurationException(String variable, String problem) {
        super(variable + problem);
        this.variable = variable;
    }

    /** The environment variable at fault, e.g. {@code CREDENTIAL_ENCRYPTION_KEY}. */
    public String variable() {
        return variable;
    }
}
