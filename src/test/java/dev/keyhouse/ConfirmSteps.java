package dev.keyhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a confirmation step before a destructive action (issue 20, item 5) must be, for the pages' tests. */
public final class ConfirmSteps {

    private ConfirmSteps() {
    }

    /**
     * {@code html} is a confirmation step for {@code action}: a POST form to it carrying the session's CSRF field and
     * {@code confirmed=yes}, and no inline script or {@code confirm()} (the CSP forbids both; the step works without
     * JavaScript).
     */
    public static void assertStep(String html, String action) {
        Matcher form = Pattern.compile("<form method=\"post\" action=\"" + Pattern.quote(action) + "\">(.*?)</form>",
                Pattern.DOTALL).matcher(html);
        assertThat(form.find()).as("a POST form to " + action).isTrue();
        assertThat(form.group(1)).contains("name=\"csrf-token\"")
                .contains("<input type=\"hidden\" name=\"confirmed\" value=\"yes\">");
        assertThat(html).doesNotContain("confirm(").doesNotContainPattern("<script(?![^>]*\\ssrc=)");
    }
}
