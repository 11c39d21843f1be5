package dev.keyhouse.runtimes;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.keyhouse.web.FieldErrors;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code command}: writes the provider environment to an EnvironmentFile (if the target names one), then runs a
 * command line on the Keyhouse host, e.g. {@code systemctl restart 'voxcore@*'} or an {@code ssh} to another host.
 * One runtime per target: the target itself.
 */
@ApplicationScoped
public class CommandDriver implements RuntimeDriver {

    public static final String ID = "command";
    static final DriverField ENVIRONMENT_FILE = DriverField.optional("environmentFile", "Environment file", null,
            "Optional: absolute path the provider environment is written to (mode 600) before the command runs,"
                    + " for systemd EnvironmentFile=.");

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
        checkEnvironmentFile(target, errors);
    }

    @Override
    public List<String> discover(TargetSpec target) {
        return List.of(target.name());
    }

    @Override
    public void restart(TargetSpec target, String runtime, RestartOrder order) throws Exception {
        run(target, target.config("command"), order);
    }

    /** Writes the environment file, if any, then runs the command; shared with {@link SystemdDriver}. */
    static void run(TargetSpec target, String command, RestartOrder order) throws Exception {
        String file = target.config(ENVIRONMENT_FILE.name());
        if (file != null) {
            EnvironmentFile.write(Path.of(file), order);
        }
        List<String> secrets = new ArrayList<>(order.env().values());
        secrets.addAll(target.secrets().values());
        ShellCommand.run(command, Map.of("KEYHOUSE_RUN_ID", String.valueOf(order.runId()),
                "KEYHOUSE_TARGET", target.name()), secrets);
    }

    static void checkEnvironmentFile(TargetSpec target, FieldErrors errors) {
        String file = target.config(ENVIRONMENT_FILE.name());
        if (file == null) {
            return;
        }
        try {
            Path path = Path.of(file);
            if (!path.isAbsolute() || path.getFileName() == null) {
                errors.add("config." + ENVIRONMENT_FILE.name(), "must be an absolute file path, e.g. /etc/voxcore/keys.env");
            }
        } catch (java.nio.file.InvalidPathException e) {
            errors.add("config." + ENVIRONMENT_FILE.name(), "is not a valid path");
        }
    }
}
