package dev.keyhouse;

import static org.assertj.core.api.Assertions.assertThat;

/** The box a page form's stale save answers with (issue 20, point 7: {@code templates/tags/staleChanges.html}). */
public final class StaleBoxes {

    private StaleBoxes() {
    }

    /** The box in {@code html}, from its {@code id} to its end; fails when there is none. */
    public static String box(String html) {
        int start = html.indexOf("id=\"stale-changes\"");
        assertThat(start).as("the stale save's box").isNotNegative();
        return html.substring(start, html.indexOf("</div>", start));
    }

    /** The line of {@code label} as the box shows it: "{label} — now: {now}" ({@code now} as Qute escapes it). */
    public static String line(String label, String now) {
        return "<strong>" + label + "</strong> — now: <span class=\"stale-now\">" + now + "</span>";
    }

    /**
     * The hidden {@code loaded.<field>} fields of the form in {@code html} (the values it was loaded with), by name,
     * their values unescaped: what a browser posts with the form.
     */
    public static java.util.Map<String, String> loaded(String html) {
        java.util.Map<String, String> loaded = new java.util.LinkedHashMap<>();
        java.util.regex.Matcher field = java.util.regex.Pattern.compile(
                "<input type=\"hidden\" name=\"(loaded\\.[^\"]+)\" value=\"([^\"]*)\">").matcher(html);
        while (field.find()) {
            loaded.put(field.group(1), field.group(2).replace("&quot;", "\"").replace("&#39;", "'")
                    .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"));
        }
        return loaded;
    }

    /** {@code typed} with the form's {@link #loaded} fields of {@code html}: the form as a browser posts it. */
    public static java.util.Map<String, String> asPosted(String html, java.util.Map<String, String> typed) {
        java.util.Map<String, String> fields = new java.util.LinkedHashMap<>(loaded(html));
        assertThat(fields).as("the form's loaded values").isNotEmpty();
        fields.putAll(typed);
        return fields;
    }
}
