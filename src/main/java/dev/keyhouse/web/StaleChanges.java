package dev.keyhouse.web;

import java.time.Instant;
import java.util.List;

/**
 * The box a page form's stale save answers with (409, issue 20 point 7): another admin saved since the form was read.
 * The form keeps what was typed (a typed secret only in that answer, sent {@code no-store}) and carries the current
 * version, together with this box: who saved, when, and each field they changed with its value now ("now: …"; a
 * secret by its fingerprint only, never its value). Saving the form again is then a deliberate overwrite of what the
 * box shows, never a silent one. Rendered by {@code templates/tags/staleChanges.html}.
 *
 * @param message who saved and when, that nothing was saved, and what saving again does
 * @param heading what {@code changes} lists: the fields changed since the form's version ({@link #SINCE}), or, where
 *        a form's earlier versions are not kept field by field, the stored fields that differ from the form
 *        ({@link #DIFFERS})
 * @param changes each field by its label, with its value now; empty when none can be named
 */
public record StaleChanges(String message, String heading, List<Change> changes) {

    /** {@link #heading()} of fields compared with the version the form was read at. */
    public static final String SINCE = "Changed since your form was loaded";

    /** {@link #heading()} of stored fields compared with what the form holds. */
    public static final String DIFFERS = "Stored now, where it differs from your form";

    /**
     * One field of the box.
     *
     * @param label the form's label of the field
     * @param now its stored value now, as shown ("fingerprint 3f2a…" for a secret, "(empty)" for none)
     */
    public record Change(String label, String now) {

        /** A field that is no secret, {@code value} as stored (null or blank: "(empty)"). */
        public static Change value(String label, String value) {
            return new Change(label, value == null || value.isBlank() ? "(empty)" : value);
        }

        /** A secret, by its keyed fingerprint only (null: "not set"); never its value. */
        public static Change secret(String label, String fingerprint) {
            return new Change(label, fingerprint == null ? "not set" : "fingerprint " + fingerprint);
        }
    }

    /**
     * The box for {@code what} ("Speech to text settings", "Runtime target web", as a sentence starts) saved by
     * {@code by} at {@code at}.
     *
     * @param version the version the form now carries, as people read it, or null for a version that is no
     *        number people use (a runtime target's is a time)
     */
    public static StaleChanges of(String what, String by, Instant at, Long version, String heading,
            List<Change> changes) {
        return new StaleChanges(what + " changed while you were editing: saved by " + by + " at "
                + TemplateExtensions.utc(at) + (version == null ? "" : " (now version " + version + ")")
                + ". Nothing was saved. The form below keeps what you typed and now edits that saved state: save it"
                + " again to replace what is listed here with your values, or change them first.", heading,
                List.copyOf(changes));
    }
}
