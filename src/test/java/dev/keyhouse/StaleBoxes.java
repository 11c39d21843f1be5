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
}
