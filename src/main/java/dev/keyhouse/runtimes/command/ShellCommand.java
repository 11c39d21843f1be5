package dev.keyhouse.runtimes.command;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import dev.keyhouse.runtimes.RestartTimedOut;
import dev.keyhouse.runtimes.SecretMask;

/**
 * Runs a command line with {@code /bin/sh -c} in a clean environment: PATH, HOME and LANG of the Keyhouse process
 * plus {@code KEYHOUSE_RUN_ID}, {@code KEYHOUSE_TARGET} and, for a restart, {@code KEYHOUSE_RESTART_ID} and
 * {@code KEYHOUSE_RESTART_ATTEMPT} ({@link CommandDriver}), nothing else. Keyhouse's own environment holds
 * CREDENTIAL_ENCRYPTION_KEY and never reaches the command; provider secrets never go through the environment (the
 * command reads the EnvironmentFile). Output is kept bounded; an interrupted run, and one still running near its
 * deadline, kills the whole process tree.
 */
final class ShellCommand {

    /** Output lines quoted in a failure. */
    static final int TAIL_LINES = 10;
    /** Longest output line kept. */
    private static final int MAX_LINE = 500;
    /**
     * Most output kept in all: the reason around it and its marks fit the 2,000 characters a result's error keeps
     * ({@code RestartQueue}), whose cut keeps the start; the earliest lines are dropped first, so the last line, which
     * usually says why the command failed, stays.
     */
    static final int MAX_OUTPUT = 1_500;
    /** What stands where output was cut. */
    static final String CUT = "…";
    /** How long before the executor's deadline a command still running is stopped ({@link #stopAt}). */
    static final Duration STOP_EARLY = Duration.ofMillis(500);
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private ShellCommand() {
    }

    /**
     * Thrown for a non-zero exit: the code and the last lines of output, secret values masked, the output marked off
     * as the runtime's own text ({@link dev.keyhouse.runtimes.RuntimeOutput}: shown to admins only, never logged).
     */
    static final class Failed extends Exception {
        Failed(String message) {
            super(message, null, false, false);
        }
    }

    static void run(String command, Map<String, String> variables, List<String> secrets)
            throws IOException, InterruptedException, Failed, RestartTimedOut {
        run(command, variables, secrets, null);
    }

    /**
     * Runs {@code command}; with a {@code deadline} (the executor's:
     * {@link dev.keyhouse.runtimes.RestartOrder#deadline}) it is stopped a little before it ({@link #stopAt}), its
     * whole process tree killed, and what it printed until then comes back in {@link RestartTimedOut}, bounded, masked
     * and marked off as a failure's output is.
     */
    static void run(String command, Map<String, String> variables, List<String> secrets, Instant deadline)
            throws IOException, InterruptedException, Failed, RestartTimedOut {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command);
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", System.getenv().getOrDefault("PATH", DEFAULT_PATH));
        copy(env, "HOME");
        copy(env, "LANG");
        env.putAll(variables);
        builder.redirectErrorStream(true);
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Instant stop = stopAt(Instant.now(), deadline);
        Process process = builder.start();
        UnaryOperator<String> mask = SecretMask.masker(secrets);
        Tail tail = new Tail(process.getInputStream(), mask);
        Thread reader = new Thread(tail, "restart-command-output");
        reader.setDaemon(true);
        reader.start();
        int exit;
        try {
            if (stop == null) {
                exit = process.waitFor();
            } else if (process.waitFor(Math.max(0, Duration.between(Instant.now(), stop).toMillis()),
                    TimeUnit.MILLISECONDS)) {
                exit = process.exitValue();
            } else {
                // stopped here rather than interrupted by the executor: the output read so far is the runtime's
                // own account of why it hangs ("waiting for lock …"), and only this code holds it (breaker b9 M3)
                kill(process);
                reader.join(Math.max(1, Duration.between(Instant.now(), deadline).toMillis() / 2));
                String output = tail.text();
                throw new RestartTimedOut(output.isEmpty() ? "" : "last output:\n"
                        + dev.keyhouse.runtimes.RuntimeOutput.quote(output));
            }
            reader.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            kill(process);
            throw e;
        }
        if (exit != 0) {
            String output = tail.text();
            throw new Failed("command exited with code " + exit + (output.isEmpty() ? " and no output"
                    : "; last output:\n" + dev.keyhouse.runtimes.RuntimeOutput.quote(output)));
        }
    }

    /**
     * When a command with {@code deadline} is stopped: {@link #STOP_EARLY} before it (a tenth of the time left when
     * that is less), so the kill and the last read end before the executor's own timeout, whose clock starts after
     * the deadline was set; null without a deadline.
     */
    static Instant stopAt(Instant now, Instant deadline) {
        if (deadline == null) {
            return null;
        }
        Duration left = Duration.between(now, deadline);
        if (left.isNegative()) {
            return now;
        }
        Duration early = left.dividedBy(10).compareTo(STOP_EARLY) < 0 ? left.dividedBy(10) : STOP_EARLY;
        return deadline.minus(early);
    }

    /**
     * Kills the process and everything it started: the tree is read first (so none is re-parented and missed), then
     * killed from the top down — a shell killed after its child would print the child's death ("Killed") into the
     * output kept as the runtime's own words; killed first, it prints nothing.
     */
    static void kill(Process process) {
        List<ProcessHandle> descendants = process.descendants()
                .sorted(java.util.Comparator.comparingInt(ShellCommand::depth)).toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    /** How many parents a process has: killing by increasing depth kills each parent before its children. */
    private static int depth(ProcessHandle handle) {
        int depth = 0;
        for (Optional<ProcessHandle> parent = handle.parent(); parent.isPresent() && depth < 64;
                parent = parent.get().parent()) {
            depth++;
        }
        return depth;
    }

    private static void copy(Map<String, String> env, String name) {
        String value = System.getenv(name);
        if (value != null) {
            env.put(name, value);
        }
    }

    /** The last {@link #TAIL_LINES} lines of a stream, each masked, then cut to {@link #MAX_LINE} characters. */
    private static final class Tail implements Runnable {
        /** How much of one line is read before it is masked and cut: more than any secret in any of its forms. */
        private static final int READ_LINE = 64 * 1024;
        private final InputStream in;
        private final UnaryOperator<String> mask;
        private final Deque<String> lines = new ArrayDeque<>();

        Tail(InputStream in, UnaryOperator<String> mask) {
            this.in = in;
            this.mask = mask;
        }

        @Override
        public void run() {
            try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                StringBuilder line = new StringBuilder();
                int c;
                while ((c = reader.read()) != -1) {
                    if (c == '\n') {
                        add(line.toString());
                        line.setLength(0);
                    } else if (line.length() < READ_LINE) {
                        line.append((char) c);
                    }
                }
                if (line.length() > 0) {
                    add(line.toString());
                }
            } catch (IOException e) {
                // the process was killed; what was read is kept
            }
        }

        /** Kept as read (at most {@link #READ_LINE} characters): cleaned and masked with its neighbours when read. */
        private synchronized void add(String line) {
            lines.addLast(line);
            if (lines.size() > TAIL_LINES) {
                lines.removeFirst();
            }
        }

        /**
         * The kept lines cleaned ({@link dev.keyhouse.runtimes.RuntimeOutput#clean}: no escape sequence or control
         * character, a NUL as U+FFFD, so a key split by a colour code is one piece again) and masked together, then
         * each cut to {@link #MAX_LINE}, then the earliest dropped until the rest fits {@link #MAX_OUTPUT}
         * ({@link #CUT} where a line or lines were cut): a secret folded over several lines is masked whole, and a cut
         * first could leave the start of a secret that no longer matches.
         */
        synchronized String text() {
            String masked = mask.apply(dev.keyhouse.runtimes.RuntimeOutput.clean(String.join("\n", lines)));
            List<String> cut = masked.strip().lines().map(l -> l.length() > MAX_LINE ? l.substring(0, MAX_LINE) + CUT
                    : l).toList();
            return lastFitting(cut);
        }

        /** The last of {@code lines} that fit {@link #MAX_OUTPUT}, after a {@link #CUT} line when any is left out. */
        private static String lastFitting(List<String> lines) {
            Deque<String> kept = new ArrayDeque<>();
            int length = 0;
            for (int i = lines.size() - 1; i >= 0; i--) {
                String line = lines.get(i);
                int more = line.length() + (kept.isEmpty() ? 0 : 1);
                if (length + more + CUT.length() + 1 > MAX_OUTPUT) {
                    kept.addFirst(CUT);
                    break;
                }
                kept.addFirst(line);
                length += more;
            }
            return String.join("\n", kept);
        }
    }
}
