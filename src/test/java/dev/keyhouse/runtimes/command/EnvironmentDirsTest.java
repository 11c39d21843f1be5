package dev.keyhouse.runtimes.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.TargetSpec;
import dev.keyhouse.web.FieldErrors;

/** RUNTIME_ENV_DIRS on a real file system: what a command or systemd target's environmentFile may name. */
class EnvironmentDirsTest {

    @TempDir
    Path root;

    private Path allowed;
    private Path outside;
    private EnvironmentDirs dirs;

    @BeforeEach
    void folders() throws Exception {
        allowed = Files.createDirectories(root.resolve("runtimes")).toRealPath();
        Files.createDirectories(allowed.resolve("voice"));
        outside = Files.createDirectories(root.resolve("etc")).toRealPath();
        dirs = new EnvironmentDirs(List.of(allowed));
    }

    @Test
    void aFileInAListedFolderOrBelowIsAllowed() {
        assertThat(dirs.refusal(allowed.resolve("voice.env").toString())).isEmpty();
        assertThat(dirs.refusal(allowed.resolve("voice/keys.env").toString())).isEmpty();
        assertThat(dirs.resolve(allowed + "//voice/keys.env")).isEqualTo(allowed.resolve("voice/keys.env"));
    }

    @Test
    void pathsOutsideWithDotsRelativeOrThroughASymlinkAreRefused() throws Exception {
        Files.createSymbolicLink(allowed.resolve("escape"), outside);
        Files.createSymbolicLink(root.resolve("alias"), allowed);
        assertThat(dirs.refusal(outside.resolve("voice.env").toString())).get().asString()
                .startsWith("is outside the folders RUNTIME_ENV_DIRS lists (" + allowed + ")");
        assertThat(dirs.refusal(allowed + "/../etc/voice.env")).contains("must not contain '.' or '..'");
        assertThat(dirs.refusal(allowed + "/./voice.env")).contains("must not contain '.' or '..'");
        assertThat(dirs.refusal(allowed + "/voice/../../etc/passwd")).contains("must not contain '.' or '..'");
        assertThat(dirs.refusal("runtimes/voice.env")).get().asString().startsWith("must be an absolute file path");
        assertThat(dirs.refusal(allowed.resolve("escape/voice.env").toString())).get().asString()
                .as("a symbolic link inside the folder that leads out of it").startsWith("is outside the folders")
                .endsWith("once symbolic links are followed");
        assertThat(dirs.refusal(root.resolve("alias/voice.env").toString()))
                .as("a symbolic link outside that leads into the folder: the real folder is what counts").isEmpty();
        assertThat(dirs.refusal(allowed.resolve("missing/voice.env").toString()))
                .contains("is in a folder that does not exist");
        assertThat(dirs.refusal(allowed.resolve("voice").toString())).contains("names a folder, not a file");
        assertThat(dirs.refusal("/etc/passwd")).get().asString().startsWith("is outside the folders");
        assertThat(dirs.refusal(allowed + "x/voice.env")).as("a sibling whose name starts the same")
                .isPresent();
    }

    @Test
    void withNoFolderListedEnvironmentFilesAreOff() {
        EnvironmentDirs off = new EnvironmentDirs(Optional.empty());
        assertThat(off.refusal(allowed.resolve("voice.env").toString())).get().asString()
                .startsWith("cannot be used: environment files are off because RUNTIME_ENV_DIRS lists no folder");
        FieldErrors errors = new FieldErrors();
        new CommandDriver(off).validate(target(allowed.resolve("voice.env")), errors);
        assertThat(errors.errors()).extracting(FieldErrors.FieldError::field).containsExactly("config.environmentFile");
        errors = new FieldErrors();
        new SystemdDriver(off).validate(new TargetSpec(0, "t", "systemd",
                Map.of("unit", "voice.service", "environmentFile", outside.resolve("v.env").toString()), Map.of()), errors);
        assertThat(errors.errors()).extracting(FieldErrors.FieldError::field).containsExactly("config.environmentFile");
    }

    @Test
    void theWriteIsCheckedAgainAndNothingIsWrittenOutside() throws Exception {
        Path escape = Files.createSymbolicLink(allowed.resolve("later"), outside);
        Files.delete(escape);
        Files.createDirectories(allowed.resolve("later"));
        TargetSpec target = target(allowed.resolve("later/voice.env"));
        FieldErrors errors = new FieldErrors();
        new CommandDriver(dirs).validate(target, errors);
        assertThat(errors.isEmpty()).as("allowed when saved").isTrue();
        // after the save, the folder is swapped for a link out of the listed one
        Files.delete(allowed.resolve("later"));
        Files.createSymbolicLink(allowed.resolve("later"), outside);

        assertThatThrownBy(() -> new CommandDriver(dirs).restart(target, "t", order()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("environment file not written: environmentFile is outside the folders");
        try (var listing = Files.list(outside)) {
            assertThat(listing).isEmpty();
        }
        // and a folder list emptied since the save
        assertThatThrownBy(() -> new CommandDriver(new EnvironmentDirs(List.of())).restart(
                target(allowed.resolve("voice.env")), "t", order()))
                .hasMessageContaining("environment files are off");
        assertThat(Files.exists(allowed.resolve("voice.env"))).isFalse();
    }

    @Test
    void badEntriesOfTheVariableAreNamed() {
        assertThat(EnvironmentDirs.problems(allowed + ", " + allowed.resolve("voice"))).isEmpty();
        assertThat(EnvironmentDirs.problems("relative/dir, /, " + allowed + "/../etc, " + allowed.resolve("none")))
                .containsExactly(
                        "RUNTIME_ENV_DIRS entry 'relative/dir' must be an absolute folder, e.g. /etc/keyhouse/runtimes",
                        "RUNTIME_ENV_DIRS entry '/' is the whole file system; name the folder runtimes' environment"
                                + " files go in",
                        "RUNTIME_ENV_DIRS entry '" + allowed + "/../etc' must not contain '.' or '..'",
                        "RUNTIME_ENV_DIRS entry '" + allowed.resolve("none") + "' is not an existing folder");
    }

    private static TargetSpec target(Path file) {
        return new TargetSpec(1, "t", "command", Map.of("command", "true", "environmentFile", file.toString()), Map.of());
    }

    private static RestartOrder order() {
        return new RestartOrder(1, 1, Map.of("LLM_API_KEY", "sk-env-dirs-test-0000"), Set.of("LLM_API_KEY"),
                Instant.now().plusSeconds(30));
    }
}
