package dev.keyhouse.runtimes;

/**
 * A runtime's own text inside a restart's error (breaker bmask): a command's last output lines, a webhook's answer
 * snippet. It is masked ({@link SecretMask}) but masking text a runtime produced cannot be complete (a command can
 * print a key in hex, rot13 or in short pieces), so it is kept apart from Keyhouse's reason and shown to admins only
 * (who can make a command print any secret anyway): {@link #quote} marks it off with two control characters that
 * the output itself never contains (they are dropped from it), {@link #withOutput} is the admin's text,
 * {@link #reasonOnly} everyone else's — a viewer's page and API answer, rollout alerts, notifications, audit — and
 * {@link #logged} the log's.
 *
 * <p>Fail closed: an end mark without its start hides everything before it, a start mark without its end (a text cut
 * short) everything after it.
 *
 * <p>Every driver passes a runtime's text through {@link #clean} before it masks it (breaker b9 L2): terminal escape
 * sequences and control characters are no part of what a runtime says, and a key split by a colour code is then one
 * piece again that the mask recognises whole.
 */
public final class RuntimeOutput {

    /** Where a runtime's own text starts (STX). */
    static final char START = '\u0002';
    /** Where it ends (ETX). */
    static final char END = '\u0003';
    /** What stands for the output for anyone but an admin. */
    public static final String NOT_SHOWN = "(the runtime's own output is shown to admins)";
    /** What stands for it in the log. */
    public static final String NOT_LOGGED = "(the runtime's own output is not logged)";

    /**
     * A terminal escape sequence: CSI ({@code ESC [} parameters, intermediates, a final byte; also its one-byte form
     * U+009B), a string of OSC, DCS, SOS, PM or APC ({@code ESC ]}, {@code P}, {@code X}, {@code ^}, {@code _}; U+009D
     * for OSC) up to BEL or ST and never past a line's end, or a two-character escape ({@code ESC 7}, {@code ESC ( B}).
     */
    private static final java.util.regex.Pattern ESCAPE = java.util.regex.Pattern.compile(
            "(?:\u001B\\[|\u009B)[0-?]*[ -/]*[@-~]"
                    + "|(?:\u001B[\\]PX^_]|\u009D)[^\u0007\u001B\u009C\n]*(?:\u0007|\u001B\\\\|\u009C)"
                    + "|\u001B[ -/]*[0-~]");

    private RuntimeOutput() {
    }

    /**
     * A runtime's text as words (one rule for every driver, applied before masking): terminal escape sequences
     * ({@link #ESCAPE}) removed, CRLF as a line break, a NUL as U+FFFD (a byte that was no text, so the words around
     * it stay apart), and every other control character but line feed and tab — C0, DEL, C1, a lone CR, an escape
     * left unfinished, the marks of {@link #quote} — dropped; null stays null.
     */
    public static String clean(String text) {
        if (text == null) {
            return null;
        }
        String plain = ESCAPE.matcher(text).replaceAll("").replace("\r\n", "\n");
        StringBuilder out = new StringBuilder(plain.length());
        for (int i = 0; i < plain.length(); i++) {
            char c = plain.charAt(i);
            if (c == '\u0000') {
                out.append('\uFFFD');
            } else if (c == '\n' || c == '\t' || !Character.isISOControl(c)) {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** {@code output} marked off as the runtime's own text, any mark in it dropped; "" for null or empty. */
    public static String quote(String output) {
        if (output == null || output.isEmpty()) {
            return "";
        }
        String clean = output.replace(String.valueOf(START), "").replace(String.valueOf(END), "");
        return START + clean + END;
    }

    /** Whether {@code text} holds a runtime's own text (or a piece of it). */
    public static boolean has(String text) {
        return text != null && (text.indexOf(START) >= 0 || text.indexOf(END) >= 0);
    }

    /** An admin's text: the reason with the runtime's output in its place, the marks dropped; null stays null. */
    public static String withOutput(String text) {
        if (!has(text)) {
            return text;
        }
        return text.replace(String.valueOf(START), "").replace(String.valueOf(END), "");
    }

    /** Everyone else's text: the reason, every runtime output replaced by {@link #NOT_SHOWN}; null stays null. */
    public static String reasonOnly(String text) {
        return replaced(text, NOT_SHOWN);
    }

    /** The log's text: the reason, every runtime output replaced by {@link #NOT_LOGGED}; null stays null. */
    public static String logged(String text) {
        return replaced(text, NOT_LOGGED);
    }

    private static String replaced(String text, String note) {
        if (!has(text)) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        int end = text.indexOf(END);
        int start = text.indexOf(START);
        if (end >= 0 && (start < 0 || end < start)) {
            // an end without its start: all before it may be output
            out.append(note);
            from = end + 1;
        }
        while (from < text.length()) {
            start = text.indexOf(START, from);
            if (start < 0) {
                out.append(text, from, text.length());
                break;
            }
            out.append(text, from, start).append(note);
            end = text.indexOf(END, start + 1);
            if (end < 0) {
                // cut short: all after the start may be output
                return out.toString();
            }
            from = end + 1;
        }
        // a stray end mark later on (never written so) hides what precedes it in that piece too
        String result = out.toString();
        int stray = result.lastIndexOf(END);
        return stray < 0 ? result : note + result.substring(stray + 1);
    }
}
