package dev.keyhouse.runtimes.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import dev.keyhouse.runtimes.SecretMask;

/** {@link ShellCommand}'s output, masked before it is cut ({@link SecretMask}). */
class ShellCommandTest {

    /** A secret past the 500 characters a line of command output keeps is masked before the line is cut. */
    @org.junit.jupiter.api.Test
    void aSecretAtTheCutOfALongOutputLineLeavesNoPiece() throws Exception {
        String secret = "sk-cut-at-the-edge-0123456789abcdef";
        String command = "printf '%480s%s tail\\n' '' '" + secret + "'; exit 3";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShellCommand.run(command, Map.of(), List.of(secret)))
                .satisfies(e -> assertThat(e.getMessage()).contains(SecretMask.MASK.substring(0, 5))
                        .doesNotContain("sk-cut").doesNotContain(secret.substring(0, 12)));
    }
}
