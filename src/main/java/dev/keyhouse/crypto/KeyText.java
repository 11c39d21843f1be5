package dev.keyhouse.crypto;

import java.util.Base64;

/**
 * Key material as operators paste it: standard base64 (RFC 4648 §4), possibly wrapped. {@code openssl rand -base64 N}
 * breaks its output into lines of 64 characters, so a 48-byte key fits one line and a 64-byte key (HS512) takes two;
 * {@code export KEY=$(openssl rand -base64 64)} puts that line break inside the value.
 */
public final class KeyText {

    /** openssl's base64 line length: longer output is wrapped. */
    private static final int OPENSSL_LINE = 64;

    private KeyText() {
    }

    /**
     * The key's bytes: whitespace anywhere (line breaks, spaces, tabs) is dropped, then the rest must be standard
     * base64 with its padding.
     *
     * @throws IllegalArgumentException when it is not; the message never quotes the text (it may be a real key)
     */
    public static byte[] decode(String text) {
        StringBuilder compact = new StringBuilder(text.length());
        text.chars().filter(c -> !Character.isWhitespace(c)).forEach(c -> compact.append((char) c));
        try {
            return Base64.getDecoder().decode(compact.toString());
        } catch (IllegalArgumentException e) {
            // the decoder's message quotes the offending character, so it is not passed on
            throw new IllegalArgumentException("not standard base64");
        }
    }

    /** The command that prints a new key of {@code bytes} random bytes on one line, e.g. {@code openssl rand -base64 32}. */
    public static String generateCommand(int bytes) {
        int characters = (bytes + 2) / 3 * 4;
        return "openssl rand -base64 " + bytes + (characters > OPENSSL_LINE ? " | tr -d '\\n'" : "");
    }
}
