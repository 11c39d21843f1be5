package dev.keyhouse.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The git-ignored {@code .env} file in the working directory, read in the one dialect a shell, systemd, python-dotenv
 * and Compose agree on ({@link EnvFileDialect}); {@link DotEnvConfigSourceFactory} hands its values to the
 * configuration ahead of SmallRye's own {@code .env} reader (Java properties rules, which would keep quotes).
 * Written atomically with mode 600.
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

    /** The values of the lines this dialect accepts; {@link #parse()} says what it refused or warns about. */
    public Map<String, String> read() {
        return parse().values();
    }

    /** The whole reading: values and findings by line (none when there is no file). */
    public EnvFileDialect.Parsed parse() {
        if (!Files.exists(path)) {
            return new EnvFileDialect.Parsed(Map.of(), java.util.List.of());
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " is not a regular file: make it one, or remove it");
        }
        try {
            byte[] bytes = Files.readAllBytes(path);
            java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
            return EnvFileDialect.parse(utf8.decode(java.nio.ByteBuffer.wrap(bytes)).toString());
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException("cannot read " + path + ": it is not UTF-8 text", e);
        } catch (IOException e) {
            // the message names the file, never its content
            throw new IllegalStateException("cannot read " + path + ": " + e.getClass().getSimpleName(), e);
        }
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
            entries.forEach((name, value) -> content.append(EnvFileDialect.line(name, value)).append('\n'));
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
