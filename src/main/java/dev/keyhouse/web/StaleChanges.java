package dev.keyhouse.web;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The box a page form's stale save answers with (409, issue 20 point 7): another admin saved since the form was read.
 * The form keeps what was typed in each field the admin changed (a typed secret only in that answer, sent
 * {@code no-store}), shows each field she left as loaded as stored now ({@link #untouched}), names every field error,
 * and carries the current version, together with this box: who saved, when, and each field they changed with its value now ("now: …"; a
 * secret by its fingerprint only, never its value). Saving the form again is then a deliberate overwrite of what the
 * box shows, never a silent one. Rendered by {@code templates/tags/staleChanges.html}.
 *
 * @param message who saved and when, that nothing was saved, and what saving again does
 * @param heading what {@code changes} lists: the fields changed since the form was loaded ({@link #SINCE}), read
 *        from the form's version where earlier versions are kept field by field, else from the values the form was
 *        loaded with (its hidden {@link #LOADED} fields): the other admin's changes, never the admin's own edits; or, for a form that carries neither (one a script posted), the stored fields that
 *        differ from what it holds ({@link #DIFFERS})
 * @param changes each field by its label, with its value now; empty when none can be named
 */
public record StaleChanges(String message, String heading, List<Change> changes) {

    /** {@link #heading()} of fields compared with the version the form was read at. */
    public static final String SINCE = "Changed since your form was loaded";

    /** {@link #heading()} of stored fields compared with what the form holds. */
    public static final String DIFFERS = "Stored now, where it differs from your form";

    /**
     * The prefix of a form's hidden fields that carry the values it was loaded with, by the field they describe:
     * {@code loaded.name}, {@code loaded.config.url}; a secret's by its fingerprint, never its value. They only say
     * which stored fields changed since the form was loaded (the other admin's changes, not the admin's own edits):
     * never saved, never shown, never a check of the save, which goes by the form's version alone.
     */
    public static final String LOADED = "loaded.";

    /**
     * One hidden field of a form: {@code loaded.<field>} and the value it was loaded with.
     *
     * @param name the hidden field's name, {@link #LOADED} and the field's
     * @param value the loaded value as {@link #described} compares it
     */
    public record Loaded(String name, String value) {
    }

    /**
     * One field of a stored object as a stale box compares and shows it.
     *
     * @param field the form field it describes ({@code name}, {@code config.url})
     * @param value its stored value as compared: what the form's {@code loaded.<field>} carries
     * @param now its line in the box when it changed
     */
    public record Described(String field, String value, Change now) {

        /** Its hidden field. */
        public Loaded loaded() {
            return new Loaded(LOADED + field, value);
        }
    }

    /** The hidden fields of a form loaded with {@code stored}. */
    public static List<Loaded> loaded(List<Described> stored) {
        return stored.stream().map(Described::loaded).toList();
    }

    /**
     * The values {@code submitted} says its form was loaded with, by field, when it carries one for every field of
     * {@code stored}; empty for a form without them (an older page, a form a script posted), whose box falls back to
     * comparing with what it holds ({@link #DIFFERS}).
     */
    public static Optional<Map<String, String>> loadedWith(Map<String, List<String>> submitted,
            List<Described> stored) {
        Map<String, String> loaded = new LinkedHashMap<>();
        for (Described field : stored) {
            List<String> values = submitted.get(LOADED + field.field());
            if (values == null || values.isEmpty() || values.get(0) == null) {
                return Optional.empty();
            }
            loaded.put(field.field(), values.get(0));
        }
        return Optional.of(loaded);
    }

    /**
     * The lines of the fields of {@code stored} whose value is not {@code before}'s: what the form was loaded with
     * ({@link #loadedWith}), or, for a form without it, what the form holds, a field absent from {@code before} left
     * out (a secret left empty, which keeps the stored one).
     */
    public static List<Change> changed(List<Described> stored, Map<String, String> before) {
        return stored.stream().filter(f -> before.containsKey(f.field())
                && !java.util.Objects.equals(before.get(f.field()), f.value())).map(Described::now).toList();
    }

    /**
     * The fields of {@code stored} the admin did not change: typed ({@code typed}, compared as {@link Described#value}
     * reads it) exactly as the form was loaded with them ({@code loaded}, {@link #loadedWith}). A stale save's form
     * shows each of these as stored now, never as loaded (showing the loaded value would offer to undo the other
     * admin's change to a field the admin never touched), and keeps what was typed in every other field. A field
     * absent from {@code typed} (a secret left empty, which keeps the stored one) is not among them.
     */
    public static java.util.Set<String> untouched(List<Described> stored, Map<String, String> loaded,
            Map<String, String> typed) {
        return untouched(stored.stream().map(Described::field).toList(), loaded, typed);
    }

    /**
     * {@link #untouched(List, Map, Map)} of the form fields named in {@code fields}, for a form whose loaded values are
     * read from the history of its version (a provider kind's settings, a fallback) rather than carried as
     * {@link #LOADED} fields: each field typed (non-null) exactly as loaded.
     */
    public static java.util.Set<String> untouched(java.util.Collection<String> fields, Map<String, String> loaded,
            Map<String, String> typed) {
        java.util.Set<String> untouched = new java.util.LinkedHashSet<>();
        for (String f : fields) {
            if (typed.get(f) != null && loaded.containsKey(f) && java.util.Objects.equals(typed.get(f), loaded.get(f))) {
                untouched.add(f);
            }
        }
        return untouched;
    }

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
     * @param changes the fields to list; empty when every field is as the form was loaded (a change made and undone
     *        meanwhile): the message then says so instead of pointing at a list
     */
    public static StaleChanges of(String what, String by, Instant at, Long version, String heading,
            List<Change> changes) {
        return new StaleChanges(what + " changed while you were editing: saved by " + by + " at "
                + TemplateExtensions.utc(at) + (version == null ? "" : " (now version " + version + ")")
                + ". Nothing was saved. The form below keeps what you typed"
                + (SINCE.equals(heading) ? " where you changed a field, shows the fields you left alone as saved now,"
                        : "")
                + " and now edits that saved state: "
                + (changes.isEmpty() ? "every field it shows is stored as your form was loaded (changed and changed"
                        + " back meanwhile), so save it again to apply your values."
                        : "save it again to replace what is listed here with your values, or change them first."),
                heading, List.copyOf(changes));
    }
}
