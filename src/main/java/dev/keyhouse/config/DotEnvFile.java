package dev.keyhouse.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The git-ignored {@code .env} file Quarkus reads from the working directory. Parsed the way Quarkus parses
 * it (properties syntax) so both agree on every value; written atomically with mode 600.
 */
public final class DotEnvFile {

    private final Path path;

    public DotEnvFile(Path path) {
        this.path = path;
    }

    public static DotEnvFile inWorkingDirectory() {
        return new DotEnvFile(Path.of(".env").toAbsolutePath());
    }

    public Path path() {
        return path;
    }

    public Map<String, String> read() {
        if (!Files.isRegularFile(path)) {
            return Map.of();
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            // the message names the file, never its content
            throw new IllegalStateException("cannot read " + path + ": " + e.getClass().getSimpleName(), e);
        }
        Map<String, String> values = new HashMap<>();
        properties.forEach((k, v) -> values.put(k.toString(), v.toString()));
        return values;
    }

    /**
     * Appends {@code NAME=value} lines, keeping what the file already holds. The new content is written to a
     * mode-600 temporary file beside it and moved into place, so a crash never leaves a half-written file.
     */
    public void append(String comment, Map<String, String> entries) {
        try {
            String existing = Files.isRegularFile(path) ? Files.readString(path, StandardCharsets.UTF_8) : "";
            StringBuilder content = new StringBuilder(existing);
            if (!existing.isEmpty() && !existing.endsWith("\n")) {
                content.append('\n');
            }
            content.append("# ").append(comment).append('\n');
            entries.forEach((name, value) -> content.append(name).append('=').append(value).append('\n'));
            Path parent = path.toAbsolutePath().getParent();
            Path temporary = Files.createTempFile(parent, ".env", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                writer.write(content.toString());
            }
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }
}
