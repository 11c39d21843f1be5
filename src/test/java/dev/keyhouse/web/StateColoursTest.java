package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Issue 20 (breaker, point 4): the run states an operator must tell apart at a glance (running, partial, failed,
 * rolled back, not confirmed, succeeded) each have their own colour in the stylesheet, and each colour reads with a
 * contrast of at least 4.5:1 (WCAG AA for normal text) on the backgrounds a state is shown on: a card (white) and
 * the page.
 */
class StateColoursTest {

    private static final Path CSS = Path.of("src/main/resources/META-INF/resources/static/keyhouse.css");
    /** The card's and the page's backgrounds (keyhouse.css {@code .card} and {@code body}). */
    private static final List<String> BACKGROUNDS = List.of("#ffffff", "#f5f7f9");
    private static final List<String> DISTINCT = List.of("running", "partial", "failed", "rolled_back", "unconfirmed",
            "succeeded");

    @Test
    void eachRunStateHasItsOwnReadableColour() throws IOException {
        String css = Files.readString(CSS);
        assertThat(colour(css, "card")).isEqualTo("#ffffff");
        Map<String, String> colours = new LinkedHashMap<>();
        for (String state : DISTINCT) {
            colours.put(state, colour(css, "state-" + state));
        }
        assertThat(colours.values()).as("one colour per state: " + colours).doesNotHaveDuplicates();
        for (Map.Entry<String, String> e : colours.entrySet()) {
            for (String background : BACKGROUNDS) {
                assertThat(contrast(e.getValue(), background)).as(e.getKey() + " " + e.getValue() + " on " + background)
                        .isGreaterThanOrEqualTo(4.5);
            }
        }
    }

    @Test
    void contrastIsComputedAsWcagDefinesIt() {
        assertThat(contrast("#000000", "#ffffff")).isEqualTo(21.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(contrast("#767676", "#ffffff")).isEqualTo(4.54, org.assertj.core.data.Offset.offset(0.01));
    }

    /**
     * The {@code color} (for {@code card}: the {@code background}) of the rule whose selector list names
     * {@code .<name>}, a {@code var(--x)} resolved from {@code :root}, as {@code #rrggbb}.
     */
    private static String colour(String css, String name) {
        Matcher rule = Pattern.compile("(?m)^([^{}]*\\." + Pattern.quote(name) + "(?![\\w-])[^{}]*)\\{([^}]*)\\}")
                .matcher(css);
        String property = "card".equals(name) ? "background" : "color";
        while (rule.find()) {
            Matcher value = Pattern.compile("(?:^|;)\\s*" + property + ":\\s*([^;]+)").matcher(rule.group(2));
            if (value.find()) {
                return resolve(css, value.group(1).strip());
            }
        }
        throw new AssertionError("no " + property + " for ." + name + " in " + CSS);
    }

    private static String resolve(String css, String value) {
        Matcher variable = Pattern.compile("var\\((--[\\w-]+)\\)").matcher(value);
        if (variable.matches()) {
            Matcher root = Pattern.compile(Pattern.quote(variable.group(1)) + ":\\s*([^;}]+)").matcher(css);
            assertThat(root.find()).as(variable.group(1) + " defined").isTrue();
            return resolve(css, root.group(1).strip());
        }
        String hex = value.toLowerCase();
        if (hex.matches("#[0-9a-f]{3}")) {
            hex = "#" + hex.charAt(1) + hex.charAt(1) + hex.charAt(2) + hex.charAt(2) + hex.charAt(3) + hex.charAt(3);
        }
        assertThat(hex).as("a hex colour").matches("#[0-9a-f]{6}");
        return hex;
    }

    /** WCAG 2's contrast ratio of two {@code #rrggbb} colours, 1 to 21. */
    static double contrast(String a, String b) {
        double la = luminance(a);
        double lb = luminance(b);
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
    }

    private static double luminance(String hex) {
        double[] c = new double[3];
        for (int i = 0; i < 3; i++) {
            double v = Integer.parseInt(hex.substring(1 + 2 * i, 3 + 2 * i), 16) / 255.0;
            c[i] = v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    }
}
