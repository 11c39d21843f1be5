package dev.keyhouse.runtimes.command;

import java.util.List;
import java.util.regex.Pattern;

import dev.keyhouse.runtimes.DriverField;
import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.RuntimeDriver;
import dev.keyhouse.runtimes.TargetSpec;
import dev.keyhouse.web.FieldErrors;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code systemd}: the systemd preset of the {@link CommandDriver}, its own driver so the form asks for a unit
 * instead of a command line. Writes the EnvironmentFile, then runs {@code systemctl restart -- '<unit>'}.
 */
@ApplicationScoped
public class SystemdDriver implements RuntimeDriver {

    public static final String ID = "systemd";
    /** Unit names and globs ({@code voxcore@*.service}): nothing the shell quoting could be broken out of. */
    private static final Pattern UNIT = Pattern.compile("[A-Za-z0-9:_.@\\\\*?\\[\\]-]{1,256}");

    private final EnvironmentDirs dirs;

    /** @param dirs where an environment file may be written (RUNTIME_ENV_DIRS) */
    public SystemdDriver(EnvironmentDirs dirs) {
        this.dirs = dirs;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<DriverField> fields() {
        return List.of(DriverField.required("unit", "Unit",
                "A systemd unit or glob, e.g. voxcore@*.service; restarted with systemctl restart."),
                CommandDriver.ENVIRONMENT_FILE);
    }

    @Override
    public void validate(TargetSpec target, FieldErrors errors) {
        String unit = target.config("unit");
        if (unit != null && !UNIT.matcher(unit).matches()) {
            errors.add("config.unit", "must be a unit name or glob: letters, digits and : _ . @ \\ - * ? [ ]");
        }
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
        CommandDriver.run(target, command(target.config("unit")), order, dirs);
    }

    /** Only with an environment file: without one its units fetch what they run by name. */
    @Override
    public boolean writesConfiguration(TargetSpec target) {
        return target.config(CommandDriver.ENVIRONMENT_FILE.name()) != null;
    }

    /**
     * A template unit ({@code voxcore@.service}, {@code voxcore@*.service}) or a glob with an environment file: every
     * instance it names reads that one EnvironmentFile, so an instance restarted for any reason starts on it.
     */
    @Override
    public String sharedConfig(TargetSpec target) {
        String unit = target.config("unit");
        String file = target.config(CommandDriver.ENVIRONMENT_FILE.name());
        if (unit == null || file == null || !unit.matches(".*[@*?\\[].*")) {
            return null;
        }
        return "one EnvironmentFile (" + file + ") is shared by every instance of " + unit;
    }

    /** The command line for a unit: single-quoted, after {@code --} so a unit cannot be read as an option. */
    static String command(String unit) {
        if (unit == null || !UNIT.matcher(unit).matches()) {
            throw new IllegalArgumentException("not a unit name or glob");
        }
        return "systemctl restart -- '" + unit + "'";
    }
}
