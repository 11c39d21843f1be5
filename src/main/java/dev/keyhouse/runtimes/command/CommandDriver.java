package dev.keyhouse.runtimes.command;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.keyhouse.runtimes.DriverField;
import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.RuntimeDriver;
import dev.keyhouse.runtimes.TargetSpec;
import dev.keyhouse.web.FieldErrors;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code command}: writes the provider environment to an EnvironmentFile (if the target names one), then runs a
 * command line on the Keyhouse host, e.g. {@code systemctl restart 'voxcore@*'} or an {@code ssh} to another host.
 * One runtime per target: the target itself.
 *
 * <p>The command's environment names the restart: {@code KEYHOUSE_RUN_ID}, {@code KEYHOUSE_TARGET}, and
 * {@value #RESTART_ID} / {@value #RESTART_ATTEMPT}. A command may run more than once for one restart (a retry after
 * it failed, or a takeover after Keyhouse died while it ran: at least once); one that records
 * {@value #RESTART_ID} once it has restarted, and exits 0 when it finds the id recorded, restarts at most once per
 * restart.
 */
@ApplicationScoped
public class CommandDriver implements RuntimeDriver {

    public static final String ID = "command";
    /** The restart's id ({@code restart_results.id}), the same on every attempt at it: {@link RestartOrder#restartId()}. */
    public static final String RESTART_ID = "KEYHOUSE_RESTART_ID";
    /** Which attempt at the restart this run is, from 1: {@link RestartOrder#attempt()}. */
    public static final String RESTART_ATTEMPT = "KEYHOUSE_RESTART_ATTEMPT";
    static final DriverField ENVIRONMENT_FILE = DriverField.optional("environmentFile", "Environment file", null,
            "Optional: absolute path the provider environment is written to (mode 600) before the command runs,"
                    + " for systemd EnvironmentFile=; only in a folder RUNTIME_ENV_DIRS lists.");

    private final EnvironmentDirs dirs;

    /** @param dirs where an environment file may be written (RUNTIME_ENV_DIRS) */
    public CommandDriver(EnvironmentDirs dirs) {
        this.dirs = dirs;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<DriverField> fields() {
        return List.of(DriverField.required("command", "Command",
                "Run with /bin/sh -c on the Keyhouse host, e.g. systemctl restart 'voxcore@*'."), ENVIRONMENT_FILE);
    }

    @Override
    public void validate(TargetSpec target, FieldErrors errors) {
        dirs.check(target, errors);
    }

    /** Another target's environment file ({@link EnvironmentDirs#conflict}). */
    @Override
    public java.util.Optional<FieldErrors.FieldError> conflict(TargetSpec target) {
        return dirs.conflict(target);
    }

    /** True: {@link #discover} answers the target's own name. */
    @Override
    public boolean runtimeIsTarget() {
        return true;
    }

    @Override
    public List<String> discover(TargetSpec target) {
        return List.of(target.name());
    }

    @Override
    public void restart(TargetSpec target, String runtime, RestartOrder order) throws Exception {
        run(target, target.config("command"), order, dirs);
    }

    /** Only with an environment file: without one its runtime fetches what it runs by name. */
    @Override
    public boolean writesConfiguration(TargetSpec target) {
        return target.config(ENVIRONMENT_FILE.name()) != null;
    }

    /** With an environment file: it is written once for the whole target, before its command runs. */
    @Override
    public String sharedConfig(TargetSpec target) {
        String file = target.config(ENVIRONMENT_FILE.name());
        return file == null ? null : "one environment file (" + file + ") is written for the whole target";
    }

    /**
     * Writes the environment file, if any, then runs the command; shared with {@link SystemdDriver}. A command still
     * running near the order's deadline is stopped here ({@link ShellCommand#stopAt}), its output kept for the
     * timed-out result ({@link dev.keyhouse.runtimes.RestartTimedOut}). The file is
     * checked against {@code RUNTIME_ENV_DIRS} again here: the list may have changed since the target was saved.
     */
    static void run(TargetSpec target, String command, RestartOrder order, EnvironmentDirs dirs) throws Exception {
        String file = target.config(ENVIRONMENT_FILE.name());
        if (file != null) {
            Path path;
            try {
                path = dirs.resolve(file);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("environment file not written: " + ENVIRONMENT_FILE.name() + " "
                        + e.getMessage());
            }
            // fail closed: a file another target writes too would serve this one's secrets to it (issue 19)
            java.util.Optional<FieldErrors.FieldError> shared = dirs.conflict(target);
            if (shared.isPresent()) {
                throw new IllegalStateException("environment file not written: " + ENVIRONMENT_FILE.name() + " "
                        + shared.get().message());
            }
            EnvironmentFile.write(path, order);
        }
        List<String> secrets = new ArrayList<>(order.secretValues());
        secrets.addAll(target.secrets().values());
        Map<String, String> variables = new java.util.LinkedHashMap<>();
        variables.put("KEYHOUSE_RUN_ID", String.valueOf(order.runId()));
        variables.put("KEYHOUSE_TARGET", target.name());
        if (order.restartId() > 0) {
            variables.put(RESTART_ID, String.valueOf(order.restartId()));
            variables.put(RESTART_ATTEMPT, String.valueOf(order.attempt()));
        }
        ShellCommand.run(command, variables, secrets, order.deadline());
    }
}
