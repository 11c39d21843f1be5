package dev.keyhouse.runtimes.command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.keyhouse.runtimes.RuntimeTarget;
import dev.keyhouse.runtimes.TargetSpec;
import io.quarkus.narayana.jta.QuarkusTransaction;
import dev.keyhouse.web.FieldErrors;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The folders a runtime's {@code environmentFile} (command and systemd drivers) may be written in:
 * {@code RUNTIME_ENV_DIRS}, comma-separated absolute directories. Unset means environment files are off: Keyhouse
 * often runs as root, and a file it writes anywhere an admin names (a unit file, {@code /etc/ld.so.preload}, a
 * crontab) is a way onto the host.
 *
 * <p>A file is allowed when its folder, after every symbolic link is followed ({@link Path#toRealPath}), is one of
 * the listed folders (also followed) or below one; the path must be absolute and hold no {@code .} or {@code ..}.
 * Checked when a target is saved and again before every write, which goes to the resolved folder. The file name
 * itself may be a symbolic link: the atomic rename replaces the link, never what it points to.
 */
@Singleton
public class EnvironmentDirs {

    public static final String VARIABLE = "RUNTIME_ENV_DIRS";
    static final String FIELD = "config." + CommandDriver.ENVIRONMENT_FILE.name();

    private final List<Path> folders;
    private final Supplier<List<Holder>> holders;

    /**
     * A stored target's environment file, as typed.
     *
     * @param id the target's id
     */
    public record Holder(long id, String name, String file) {
    }

    @Inject
    public EnvironmentDirs(@ConfigProperty(name = "keyhouse.runtimes.env-dirs") Optional<String> listed) {
        this(realFolders(listed.orElse("")), EnvironmentDirs::stored);
    }

    /** @param folders the allowed folders, each already a real path; no other target holds a file */
    public EnvironmentDirs(List<Path> folders) {
        this(folders, List::of);
    }

    /**
     * @param folders the allowed folders, each already a real path
     * @param holders every stored target's environment file, read when a file is judged ({@link #conflict})
     */
    public EnvironmentDirs(List<Path> folders, Supplier<List<Holder>> holders) {
        this.folders = List.copyOf(folders);
        this.holders = holders;
    }

    /** Every stored target naming an environment file (command and systemd), by name; in its own transaction if none. */
    @SuppressWarnings("unchecked")
    private static List<Holder> stored() {
        return QuarkusTransaction.joiningExisting().call(() -> ((List<Object[]>) RuntimeTarget.getEntityManager()
                .createNativeQuery("SELECT id, name, config->>'" + CommandDriver.ENVIRONMENT_FILE.name() + "' FROM"
                        + " runtime_targets WHERE config->>'" + CommandDriver.ENVIRONMENT_FILE.name() + "' IS NOT NULL"
                        + " ORDER BY name")
                .getResultList()).stream().map(r -> new Holder(((Number) r[0]).longValue(), (String) r[1],
                        (String) r[2])).toList());
    }

    /**
     * Why the target may not have its environment file: another stored target's file is the same file once
     * normalized and made absolute, symbolic links followed where the file or its folder exists ({@link #sameFile}).
     * Two targets writing one file overwrite each other's at every restart, so a target a shared secret lists loses
     * it and one it does not list receives it (issue 19). The same sentence refuses a save (409) and fails a restart.
     *
     * @return the field and the sentence naming the other target; empty when the target names no file or no other
     *         target holds it
     */
    public Optional<FieldErrors.FieldError> conflict(TargetSpec target) {
        String file = target.config(CommandDriver.ENVIRONMENT_FILE.name());
        Path mine = file == null ? null : sameFile(file);
        if (mine == null) {
            return Optional.empty();
        }
        return holders.get().stream().filter(h -> h.id() != target.id() && mine.equals(sameFile(h.file())))
                .findFirst().map(h -> new FieldErrors.FieldError(FIELD, "is target " + h.name() + "'s environment"
                        + " file already (" + h.file() + (h.file().equals(mine.toString()) ? "" : ", that is " + mine)
                        + "): two targets writing one file overwrite each other's at every restart, so one a shared"
                        + " secret lists loses it and one it does not list receives it; give each target its own"
                        + " file"));
    }

    /**
     * The file {@code file} names, to compare two targets' files: absolute and normalized, then the real path of the
     * file when it exists, else of its folder when that exists; null when it is not a path.
     */
    static Path sameFile(String file) {
        Path path;
        try {
            path = Path.of(file).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            return null;
        }
        try {
            return path.toRealPath();
        } catch (IOException e) {
            // no such file (yet): its folder's real path
        }
        try {
            return path.getParent() == null ? path : path.getParent().toRealPath().resolve(path.getFileName());
        } catch (IOException e) {
            return path;
        }
    }

    /** One problem per bad entry of {@code RUNTIME_ENV_DIRS}, each naming the variable and the entry. */
    public static List<String> problems(String listed) {
        List<String> problems = new ArrayList<>();
        for (String entry : entries(listed)) {
            String problem = entryProblem(entry);
            if (problem != null) {
                problems.add(VARIABLE + " entry '" + entry + "' " + problem);
            }
        }
        return problems;
    }

    private static List<String> entries(String listed) {
        return Arrays.stream(listed.split(",")).map(String::strip).filter(e -> !e.isEmpty()).toList();
    }

    private static String entryProblem(String entry) {
        Path path;
        try {
            path = Path.of(entry);
        } catch (InvalidPathException e) {
            return "is not a valid path";
        }
        if (!path.isAbsolute()) {
            return "must be an absolute folder, e.g. /etc/keyhouse/runtimes";
        }
        if (hasDots(path)) {
            return "must not contain '.' or '..'";
        }
        if (path.getNameCount() == 0) {
            return "is the whole file system; name the folder runtimes' environment files go in";
        }
        if (!Files.isDirectory(path)) {
            return "is not an existing folder";
        }
        return null;
    }

    private static List<Path> realFolders(String listed) {
        List<String> problems = problems(listed);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.get(0));
        }
        List<Path> folders = new ArrayList<>();
        for (String entry : entries(listed)) {
            try {
                folders.add(Path.of(entry).toRealPath());
            } catch (IOException e) {
                throw new IllegalArgumentException(VARIABLE + " entry '" + entry + "' is not an existing folder", e);
            }
        }
        return folders;
    }

    /** Adds the field's error when {@code environmentFile} is set and not allowed. */
    void check(TargetSpec target, FieldErrors errors) {
        String file = target.config(CommandDriver.ENVIRONMENT_FILE.name());
        if (file != null) {
            refusal(file).ifPresent(problem -> errors.add(FIELD, problem));
        }
    }

    /** Why {@code file} may not be written, or empty when it may. */
    Optional<String> refusal(String file) {
        try {
            resolve(file);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * The path to write {@code file} at: its real folder and its name.
     *
     * @throws IllegalArgumentException why it may not be written (the message reads after the field's name)
     */
    Path resolve(String file) {
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("is not a valid path");
        }
        if (!path.isAbsolute() || path.getFileName() == null) {
            throw new IllegalArgumentException("must be an absolute file path, e.g. /etc/keyhouse/runtimes/voice.env");
        }
        if (hasDots(path)) {
            throw new IllegalArgumentException("must not contain '.' or '..'");
        }
        if (folders.isEmpty()) {
            throw new IllegalArgumentException("cannot be used: environment files are off because " + VARIABLE
                    + " lists no folder; the operator lists the folders they may be written in");
        }
        Path folder;
        try {
            folder = path.getParent().toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("is in a folder that does not exist");
        }
        if (folders.stream().noneMatch(folder::startsWith)) {
            throw new IllegalArgumentException("is outside the folders " + VARIABLE + " lists ("
                    + folders.stream().map(Path::toString).collect(Collectors.joining(", "))
                    + ") once symbolic links are followed");
        }
        Path target = folder.resolve(path.getFileName());
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("names a folder, not a file");
        }
        return target;
    }

    private static boolean hasDots(Path path) {
        for (Path name : path) {
            if (name.toString().equals("..") || name.toString().equals(".")) {
                return true;
            }
        }
        return false;
    }
}
