package dev.keyhouse.runtimes.command;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import dev.keyhouse.runtimes.SecretMask;

/**
 * Runs a command line with {@code /bin/sh -c} in a clean environment: PATH, HOME and LANG of the Keyhouse process
 * plus {@code KEYHOUSE_RUN_ID}, {@code KEYHOUSE_TARGET} and, for a restart, {@code KEYHOUSE_RESTART_ID} and
 * {@code KEYHOUSE_RESTART_ATTEMPT} ({@link CommandDriver}), nothing else. Keyhouse's own environment holds
 * CREDENTIAL_ENCRYPTION_KEY and never reaches the command; provider secrets never go through the environment (the
 * command reads the EnvironmentFile). Output is kept bounded; an interrupted run kills the whole process tree.
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
            throws IOException, InterruptedException, Failed {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command);
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", System.getenv().getOrDefault("PATH", DEFAULT_PATH));
        copy(env, "HOME");
        copy(env, "LANG");
        env.putAll(variables);
        builder.redirectErrorStream(true);
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process = builder.start();
        UnaryOperator<String> mask = SecretMask.masker(secrets);
        Tail tail = new Tail(process.getInputStream(), mask);
        Thread reader = new Thread(tail, "restart-command-output");
        reader.setDaemon(true);
        reader.start();
        int exit;
        try {
            exit = process.waitFor();
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

    /** Kills the process and everything it started, children first so none is re-parented and missed. */
    static void kill(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
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

        /**
         * Kept as read (at most {@link #READ_LINE} characters; a NUL, which no text column holds, as U+FFFD): masked
         * with the lines around it when read.
         */
        private synchronized void add(String line) {
            lines.addLast(line.replace('\u0000', '\uFFFD'));
            if (lines.size() > TAIL_LINES) {
                lines.removeFirst();
            }
        }

        /**
         * The kept lines masked together, then each cut to {@link #MAX_LINE}, then the earliest dropped until the rest
         * fits {@link #MAX_OUTPUT} ({@link #CUT} where a line or lines were cut): a secret folded over several lines
         * is masked whole, and a cut first could leave the start of a secret that no longer matches.
         */
        synchronized String text() {
            String masked = mask.apply(String.join("\n", lines));
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
