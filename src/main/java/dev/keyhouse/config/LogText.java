package dev.keyhouse.config;

/**
 * Text from outside Keyhouse made safe for one log line (issue 20, follow-up: a command's multi-line output could
 * forge log lines): a command's output, an upstream's answer, an engine's or API server's message, a name a user
 * typed. Every record of a {@code dev.keyhouse} logger passes through {@link #line} in {@link LogMask} (message and
 * exception messages), so no call site can forget it.
 * <ul>
 * <li>a line break (CR, LF, CRLF, NEL, U+2028, U+2029) becomes the two characters {@code \n}, so what was a second
 * line stays readable on the first and can never start a line of its own;</li>
 * <li>a tab becomes a space; every other control character (C0, DEL, C1) and the bidirectional overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069, which can make a line read differently from what it holds) are dropped;</li>
 * <li>the result is at most {@code max} characters: longer is cut and ends with "…".</li>
 * </ul>
 */
public final class LogText {

    /** The longest message a Keyhouse log record keeps, in characters. */
    public static final int MAX_MESSAGE = 4000;
    /** The longest exception message a Keyhouse log record keeps, in characters, per exception of a chain. */
    public static final int MAX_EXCEPTION = 2000;

    private LogText() {
    }

    /** {@code text} on one line, control characters dropped, at most {@code max} characters; null stays null. */
    public static String line(String text, int max) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max + 1));
        for (int i = 0; i < text.length() && out.length() <= max; i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                out.append("\\n");
            } else if (c == '\t') {
                out.append(' ');
            } else if (!Character.isISOControl(c) && !(c >= '\u202A' && c <= '\u202E')
                    && !(c >= '\u2066' && c <= '\u2069')) {
                out.append(c);
            }
        }
        if (out.length() > max) {
            out.setLength(Math.max(0, max - 1));
            if (out.length() > 0 && Character.isHighSurrogate(out.charAt(out.length() - 1))) {
                out.setLength(out.length() - 1);
            }
            out.append('…');
        }
        return out.toString();
    }
}
