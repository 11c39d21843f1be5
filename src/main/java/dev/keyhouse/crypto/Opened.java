package dev.keyhouse.crypto;

/** What opening a sealed value gave: the plaintext, or why it cannot be read. Never an exception. */
public sealed interface Opened permits Opened.Plaintext, Opened.Unreadable {

    /** The value decrypted and authenticated against its row and purpose. */
    record Plaintext(String value) implements Opened {

        @Override
        public String toString() {
            return "Plaintext[redacted]";
        }
    }

    /**
     * The value cannot be read.
     *
     * @param keyId the key it names in its prefix, or {@link #NO_KEY_ID} when it has no readable prefix
     */
    record Unreadable(long keyId, Reason reason) implements Opened {

        /** Stands for "no key id": the ciphertext is too short or lacks the TINK prefix. */
        public static final long NO_KEY_ID = -1;

        /** One sentence for an operator, e.g. "written under key 3fa9c2e1, which is not configured". */
        public String message() {
            return switch (reason) {
                case KEY_NOT_CONFIGURED -> "written under key " + KeyRing.hex(keyId) + ", which is not configured";
                case DOES_NOT_AUTHENTICATE -> "key " + KeyRing.hex(keyId) + " is configured but the value does not"
                        + " authenticate (moved to another row or purpose, or corrupted)";
                case MALFORMED -> keyId == NO_KEY_ID
                        ? "not a Keyhouse ciphertext (too short or no key prefix)"
                        : "names key " + KeyRing.hex(keyId) + " but is too short to be a ciphertext";
            };
        }

        @Override
        public String toString() {
            return "Unreadable[" + message() + "]";
        }
    }

    /** Why a value cannot be read; each calls for a different fix. */
    enum Reason {
        /** Its key is in neither CREDENTIAL_ENCRYPTION_KEY nor CREDENTIAL_ENCRYPTION_KEY_PREVIOUS: add it back. */
        KEY_NOT_CONFIGURED,
        /** Its key is configured but the tag fails: the value was moved to another row or purpose, or altered. */
        DOES_NOT_AUTHENTICATE,
        /** Not a ciphertext at all: too short or without the TINK prefix. */
        MALFORMED
    }
}
