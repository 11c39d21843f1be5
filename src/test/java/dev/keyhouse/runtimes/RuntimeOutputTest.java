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
}
