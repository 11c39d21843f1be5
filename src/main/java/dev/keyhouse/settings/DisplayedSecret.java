package dev.keyhouse.settings;

import java.util.regex.Pattern;

import dev.keyhouse.input.FieldRules;

/**
 * Recognises what Keyhouse (or a typical admin screen) displays in place of a stored secret, so that it is never
 * saved as a new one: a value copied back from the page, or typed by someone who thought the field wanted it.
 *
 * <p>The displayed forms, from {@link SecretSummary}, {@link dev.keyhouse.sealed.SecretFingerprints#of} and
 * {@link dev.keyhouse.crypto.KeyRing#hex}:
 * <ul>
 * <li>the hint: {@code …} and the last 4 characters ({@code …6789}), also typed with three dots ({@code ...6789});
 * <li>a run of mask characters ({@code *}, {@code •}, {@code ●}, {@code ·}, {@code ∙}, {@code ⋅}, {@code …}), alone
 * or followed by up to 4 characters ({@code ********}, {@code ••••6789}, {@code ****…6789});
 * <li>the fingerprint and the key id: exactly 8 lowercase hexadecimal digits ({@code 3fa9c2e1}), also as the page
 * labels them ({@code fingerprint 3fa9c2e1}, {@code key 3fa9c2e1}).
 * </ul>
 * Only the exact 8-digit form is taken for a fingerprint: no provider issues 8-character keys, while longer keys
 * made of hex digits are common (Deepgram's 40, Twilio's 32) and stay accepted.
 *
 * <p>Other screens mask keys in other ways ({@link #isMasked}): OpenAI's dashboard shows {@code sk-proj-...stuv},
 * logs and tickets carry {@code [REDACTED]}, docs {@code xxxxxxxxstuv}. No provider issues a key with an ellipsis,
 * a run of mask characters, six {@code x} in a row or a bracket, so those are refused too, with {@link #MASKED}.
 */
public final class DisplayedSecret {

    /** The end of each message when a secret is stored: how to keep it. Left out when none is stored. */
    private static final String KEEP_STORED = ", or leave the field empty to keep the stored one";

    /** What a refused field is told; it never quotes the value. */
    public static final String MESSAGE = "this is how Keyhouse displays the stored key, not a key: type the whole new"
            + " key" + KEEP_STORED;

    /** What a field holding another masked or redacted form ({@link #isMasked}) is told; never quotes the value. */
    public static final String MASKED = "looks like a masked or redacted key, not a key: type the whole new key"
            + KEEP_STORED;

    private static final Pattern ELLIPSIS = Pattern.compile("\\.{3}|…");
    private static final Pattern MASK_CHARACTERS = Pattern.compile("[*•●·∙⋅]{4,}");
    private static final Pattern X_RUN = Pattern.compile("[xX]{6,}");
    private static final Pattern REDACTION_WORD = Pattern.compile(
            "(?i)[\\[<(]?\\s*(?:redacted|masked|hidden)\\s*[\\]>)]?");
    private static final Pattern BRACKETED_REDACTION = Pattern.compile(
            "(?i)[\\[<(]\\s*(?:redacted|masked|hidden)\\s*[\\]>)]");
    private static final Pattern HINT = Pattern.compile("(?:…|\\.{2,3})\\S{0,8}");
    private static final Pattern MASK_RUN = Pattern.compile("(?:[*•●·∙⋅…]|\\.{3})+[^*•●·∙⋅…\\s]{0,4}");
    private static final Pattern LABELLED_ID = Pattern.compile("(?i)(?:fingerprint|key(?: id)?)?[: ]*[0-9a-f]{8}");
    private static final Pattern DISPLAYED_ID = Pattern.compile("[0-9a-f]{8}");

    private DisplayedSecret() {
    }

    /**
     * Why a submitted secret is not a key, or null when it may be one.
     *
     * @param value a submitted secret, trimmed; null passes
     * @return {@link #MESSAGE} for a form Keyhouse displays ({@link #isDisplayed}), {@link #MASKED} for another
     *         masked or redacted form ({@link #isMasked}), else null; null too for a value with a control or
     *         invisible character ({@link FieldRules#unseenKind}), which the cleaning rules refuse naming it
     */
    public static String problem(String value) {
        return problem(value, true);
    }

    /**
     * As {@link #problem(String)}, for a field with ({@code stored}) or without a stored secret: without one, the
     * message does not offer to keep it (issue 20, truth 2, point 7: a new shared secret has nothing stored).
     */
    public static String problem(String value, boolean stored) {
        String problem = problemWithStored(value);
        if (problem == null || stored) {
            return problem;
        }
        // nothing stored: no "stored one" to keep, and a displayed form is how Keyhouse shows a stored key, not this one
        return problem.substring(0, problem.length() - KEEP_STORED.length()).replace("displays the stored key",
                "displays a stored key");
    }

    private static String problemWithStored(String value) {
        if (value != null && value.codePoints().anyMatch(c -> FieldRules.unseenKind(c) != null)) {
            // a control or invisible character is the problem, named with its position by the cleaning rules
            // (FieldRules): judging the rest as a masked display would name the wrong fault
            return null;
        }
        if (isDisplayed(value)) {
            return MESSAGE;
        }
        return isMasked(value) ? MASKED : null;
    }

    /**
     * Whether a value is a key masked or redacted the way other screens do it: an ellipsis ({@code ...} or
     * {@code …}) anywhere ({@code sk-proj-...stuv}); a run of 4 or more mask characters ({@code *}, {@code •},
     * {@code ●}, {@code ·}, {@code ∙}, {@code ⋅}) anywhere ({@code sk-****stuv}); a run of 6 or more {@code x} or
     * {@code X} ({@code xxxxxxxxstuv}); a redaction word ({@code REDACTED}, {@code MASKED}, {@code HIDDEN}, any case)
     * alone or bracketed ({@code [REDACTED]}, {@code <redacted>}, {@code (hidden)}), or bracketed anywhere
     * ({@code sk-proj-[REDACTED]}). A word that is merely part of a key ({@code masked-api-secret-01}) is not one.
     *
     * @param value a submitted secret, trimmed; null is not masked
     */
    public static boolean isMasked(String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        return ELLIPSIS.matcher(value).find() || MASK_CHARACTERS.matcher(value).find() || X_RUN.matcher(value).find()
                || REDACTION_WORD.matcher(value).matches() || BRACKETED_REDACTION.matcher(value).find();
    }

    /**
     * @param value a submitted secret, trimmed; null is never displayed
     * @return whether it is one of the displayed forms above
     */
    public static boolean isDisplayed(String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        if (HINT.matcher(value).matches() || MASK_RUN.matcher(value).matches()) {
            return true;
        }
        if (DISPLAYED_ID.matcher(value).matches()) {
            return true;
        }
        // "fingerprint 3fa9c2e1" as copied from the page; the label must be there for a longer value
        return value.length() > 8 && LABELLED_ID.matcher(value).matches()
                && DISPLAYED_ID.matcher(value.substring(value.length() - 8)).matches()
                && !value.substring(0, value.length() - 8).matches("[0-9a-fA-F]*");
    }
}
