package dev.keyhouse.runtimes;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link RuntimeOutput}: who reads a runtime's own text, failing closed on a broken mark (breaker bmask). */
class RuntimeOutputTest {

    private static final String TEXT = "command exited with code 3; last output:\n"
            + RuntimeOutput.quote("hex 6b 65 79");

    @Test
    void anAdminReadsTheOutputEveryoneElseTheReasonAndTheLogANote() {
        assertThat(RuntimeOutput.withOutput(TEXT)).isEqualTo("command exited with code 3; last output:\nhex 6b 65 79");
        assertThat(RuntimeOutput.reasonOnly(TEXT)).isEqualTo("command exited with code 3; last output:\n"
                + RuntimeOutput.NOT_SHOWN);
        assertThat(RuntimeOutput.logged("retrying: " + TEXT + "; more")).isEqualTo("retrying: command exited with"
                + " code 3; last output:\n" + RuntimeOutput.NOT_LOGGED + "; more");
        assertThat(RuntimeOutput.reasonOnly("the target was deleted")).isEqualTo("the target was deleted");
        assertThat(RuntimeOutput.reasonOnly(null)).isNull();
    }

    @Test
    void theOutputCannotForgeAMarkAndABrokenMarkHidesMoreNotLess() {
        // a runtime printing the marks itself cannot close its span early and show the rest as reason
        String forged = "reason: " + RuntimeOutput.quote("a\u0003 shown? \u0002b");
        assertThat(RuntimeOutput.reasonOnly(forged)).isEqualTo("reason: " + RuntimeOutput.NOT_SHOWN);
        // cut short (no end): all after the start is hidden
        assertThat(RuntimeOutput.reasonOnly("reason: \u0002output cut"))
                .isEqualTo("reason: " + RuntimeOutput.NOT_SHOWN);
        // an end without its start: all before it is hidden
        assertThat(RuntimeOutput.reasonOnly("lost start output\u0003; after")).isEqualTo(RuntimeOutput.NOT_SHOWN
                + "; after");
        assertThat(RuntimeOutput.reasonOnly("a \u0002x\u0003 b y\u0003 c")).isEqualTo(RuntimeOutput.NOT_SHOWN + " c");
    }

    /**
     * Breaker b9 L2: one rule for every runtime's text. Escape sequences (CSI, OSC to BEL or ST, two-character
     * escapes, the one-byte C1 forms) are removed whole; CRLF is a line break; a NUL reads U+FFFD; every other control
     * character but line feed and tab (a lone CR, DEL, C1, an unfinished escape's ESC, the marks) is dropped.
     */
    @Test
    void cleanRemovesEscapeSequencesAndControlCharacters() {
        assertThat(RuntimeOutput.clean("\u001B[1;31mred\u001B[0m \u001B[38;5;208mamber\u001B[m"))
                .isEqualTo("red amber");
        assertThat(RuntimeOutput.clean("\u001B]0;title\u0007a\u001B]8;;http://x\u001B\\link\u001B]8;;\u001B\\"))
                .isEqualTo("alink");
        assertThat(RuntimeOutput.clean("\u001B(Bsaved\u001B7 \u009B2Kline\u009D2;t\u009C")).isEqualTo("saved line");
        assertThat(RuntimeOutput.clean("one\r\ntwo\tcols\rthree\u0000four\u007F\u0085\u0002\u0003"))
                .isEqualTo("one\ntwo\tcolsthree\uFFFDfour");
        assertThat(RuntimeOutput.clean("cut \u001B[31")).as("an unfinished escape leaves its words")
                .isEqualTo("cut 31");
        assertThat(RuntimeOutput.clean(null)).isNull();
    }
}
