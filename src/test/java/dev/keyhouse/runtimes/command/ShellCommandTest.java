package dev.keyhouse.runtimes.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.keyhouse.runtimes.RuntimeOutput;
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

    /**
     * Breaker b20 H1: a command printing its key through {@code fold} left the whole key in "last output", one piece
     * per line, none of them masked. The kept lines are masked together: no piece of the key is left.
     */
    @org.junit.jupiter.api.Test
    void aSecretFoldedOverSeveralLinesIsMaskedWhole() {
        String secret = "sk-proj-Fold0123456789abcdefGHIJKLmnopqrstUVWXYZ";
        String command = "printf '%s\\n' \"$KEY\" | fold -w 7; exit 3";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShellCommand.run(command, Map.of("KEY", secret),
                List.of(secret))).satisfies(e -> {
                    assertThat(e.getMessage()).contains(SecretMask.MASK);
                    String letters = e.getMessage().replace(SecretMask.MASK, "|").replaceAll("[^A-Za-z0-9|]", "");
                    for (int i = 0; i + 6 <= secret.length(); i++) {
                        String piece = secret.substring(i, i + 6);
                        if (piece.matches("[A-Za-z0-9]+")) {
                            assertThat(letters).as("a piece of the key left").doesNotContain(piece);
                        }
                    }
                });
    }

    /**
     * Breaker bmask: a NUL byte in a command's output made PostgreSQL refuse the result's error text, so the result
     * stayed running for its lease and ended on the wrong cause. The output keeps its words, the NUL as U+FFFD.
     */
    @org.junit.jupiter.api.Test
    void aNulInTheOutputIsKeptAsAReplacementCharacter() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShellCommand.run("printf 'service failed\\000 code"
                + " 3\\n'; exit 7", Map.of(), List.of()))
                .satisfies(e -> assertThat(RuntimeOutput.withOutput(e.getMessage()))
                        .isEqualTo("command exited with code 7; last output:\nservice failed\uFFFD code 3")
                        .doesNotContain("\u0000"));
    }

    /**
     * Breaker bmask: the command's output is the runtime's own text, marked off from the reason: an admin reads it
     * (masked), anyone else and the log the reason only. The model and URL it prints stay readable, its key does not;
     * a transformed key (hex) is not recognisable by any mask, hence the output is not shown beyond admins.
     */
    @org.junit.jupiter.api.Test
    void theOutputIsMarkedOffAndShowsTheModelAndUrlButNotTheKey() {
        String key = "sk-proj-Output0123456789abcdefGHIJ";
        Map<String, String> env = Map.of("LLM_API_KEY", key, "LLM_MODEL", "claude-3-5-haiku-20241022",
                "LLM_BASE_URL", "https://llm-gateway.example.internal/v1");
        String command = "echo \"model $LLM_MODEL overloaded at $LLM_BASE_URL/reload, key $LLM_API_KEY\";"
                + " printf %s \"$LLM_API_KEY\" | od -An -tx1; exit 3";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShellCommand.run(command, env,
                dev.keyhouse.runtimes.RestartOrder.secretValues(env))).satisfies(e -> {
                    assertThat(RuntimeOutput.withOutput(e.getMessage())).startsWith("command exited with code 3;"
                            + " last output:\nmodel claude-3-5-haiku-20241022 overloaded at"
                            + " https://llm-gateway.example.internal/v1/reload, key [masked]").doesNotContain(key);
                    assertThat(RuntimeOutput.reasonOnly(e.getMessage())).isEqualTo("command exited with code 3;"
                            + " last output:\n" + RuntimeOutput.NOT_SHOWN);
                    assertThat(RuntimeOutput.logged(e.getMessage())).isEqualTo("command exited with code 3;"
                            + " last output:\n" + RuntimeOutput.NOT_LOGGED);
                });
    }

    /**
     * Breaker b9 M2: nine lines of 400 characters, then the line that says why, exit 4. The error was cut at 2,000
     * characters from its start when stored, and the last line was lost. The output kept is its tail ("…" where the
     * earlier lines were left out), so the reason and it fit what a result's error keeps, the final line in it.
     */
    @org.junit.jupiter.api.Test
    void aLongOutputKeepsItsFinalLine() {
        String command = "for i in 1 2 3 4 5 6 7 8 9; do printf '%0400d\\n' 0; done;"
                + " echo 'fatal: cannot open /etc/voice/agent.yaml (permission denied)'; exit 4";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShellCommand.run(command, Map.of(), List.of()))
                .satisfies(e -> {
                    String admin = RuntimeOutput.withOutput(e.getMessage());
                    assertThat(e.getMessage().length()).as("fits the stored error with room for a prefix")
                            .isLessThanOrEqualTo(1_600);
                    assertThat(admin).startsWith("command exited with code 4; last output:\n…"
                            + "\n0000").endsWith("\nfatal: cannot open /etc/voice/agent.yaml (permission denied)");
                    assertThat(e.getMessage()).endsWith("(permission denied)\u0003");
                });
    }

    /**
     * Breaker b9 M3: a command that printed why it waits and then hung ended "did not finish within 5 s; stopped",
     * its output lost. Stopped near the deadline, its whole process tree is killed and what it printed comes back,
     * marked off as the runtime's own text, before the deadline.
     */
    @org.junit.jupiter.api.Test
    void aHungCommandIsStoppedBeforeItsDeadlineAndItsOutputKept() {
        String tag = java.util.UUID.randomUUID().toString().substring(0, 8);
        Instant deadline = Instant.now().plusMillis(2_000);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShellCommand.run("echo waiting-for-lock-" + tag
                + "; sleep 60", Map.of("KEYHOUSE_TARGET", "hang-" + tag), List.of(), deadline))
                .isInstanceOf(dev.keyhouse.runtimes.RestartTimedOut.class)
                .satisfies(e -> {
                    assertThat(RuntimeOutput.withOutput(e.getMessage()))
                            .isEqualTo("last output:\nwaiting-for-lock-" + tag);
                    assertThat(RuntimeOutput.reasonOnly(e.getMessage()))
                            .isEqualTo("last output:\n" + RuntimeOutput.NOT_SHOWN);
                });
        assertThat(Instant.now()).as("stopped before the executor's deadline").isBefore(deadline);
        assertThat(Processes.withVariable("KEYHOUSE_TARGET", "hang-" + tag)).as("no process of it is left")
                .isEmpty();
    }

    /**
     * CI run of 2026-12-03: a stopped command's kept output ended in "Killed" — its shell's note of its child's death,
     * printed because the child was killed first. The tree is killed from the top down: the shell, dead first, prints
     * nothing that is not the runtime's own. Repeated, as the order decided a race.
     */
    @org.junit.jupiter.api.Test
    void aStoppedCommandsOutputHoldsNothingItsKillPrinted() {
        for (int i = 0; i < 12; i++) {
            String tag = java.util.UUID.randomUUID().toString().substring(0, 8);
            Instant deadline = Instant.now().plusMillis(500);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShellCommand.run("echo waiting-" + tag
                    + "; sleep 60; echo done", Map.of("KEYHOUSE_TARGET", "kill-" + tag), List.of(), deadline))
                    .isInstanceOf(dev.keyhouse.runtimes.RestartTimedOut.class)
                    .satisfies(e -> assertThat(RuntimeOutput.withOutput(e.getMessage())).as("attempt " + tag)
                            .isEqualTo("last output:\nwaiting-" + tag));
            assertThat(Processes.withVariable("KEYHOUSE_TARGET", "kill-" + tag)).isEmpty();
        }
    }

    /** A command stops {@link ShellCommand#STOP_EARLY} before its deadline, a tenth of the time left when less. */
    @org.junit.jupiter.api.Test
    void aCommandStopsAlittleBeforeItsDeadline() {
        Instant now = Instant.parse("2026-12-03T12:00:00Z");
        assertThat(ShellCommand.stopAt(now, null)).isNull();
        assertThat(ShellCommand.stopAt(now, now.plusSeconds(120))).isEqualTo(now.plusSeconds(120).minusMillis(500));
        assertThat(ShellCommand.stopAt(now, now.plusSeconds(2))).isEqualTo(now.plusMillis(1_800));
        assertThat(ShellCommand.stopAt(now, now.minusSeconds(1))).isEqualTo(now);
    }

    /**
     * Breaker b9 L2: a command's colour codes were stored as raw ESC bytes, and a key printed in two halves with a
     * colour code between them was masked in neither half. Escape sequences and control characters are removed
     * before masking ({@link RuntimeOutput#clean}): the key is masked whole, no ESC byte is kept.
     */
    @org.junit.jupiter.api.Test
    void colourCodesAreRemovedBeforeMaskingSoASplitKeyIsMaskedWhole() {
        String key = SPLIT_KEY;
        String command = "printf 'key=%s\\033[0m%s\\n\\033[31mred\\033[0m\\r\\n' '" + key.substring(0, 10) + "' '"
                + key.substring(10) + "'; exit 3";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShellCommand.run(command, Map.of(), List.of(key)))
                .satisfies(e -> assertThat(RuntimeOutput.withOutput(e.getMessage()))
                        .isEqualTo("command exited with code 3; last output:\nkey=[masked]\nred")
                        .doesNotContain("\u001B"));
    }

    /**
     * A key of 19 characters: each half, 9 letters and digits, is too short for the mask's fragment pass alone
     * ({@code HttpDriverTest} answers the same key the same way).
     */
    static final String SPLIT_KEY = "sk-Split0a1b2c3d4e5";
}
