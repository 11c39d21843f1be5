package dev.keyhouse.runtimes.command;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.keyhouse.config.EnvFileDialect;
import dev.keyhouse.runtimes.RestartOrder;

/**
 * Writes a runtime's provider environment as a systemd {@code EnvironmentFile=}, in the env-file dialect a shell,
 * systemd, python-dotenv and Compose all read alike ({@link EnvFileDialect#line}: unquoted where that is safe, else
 * single- or double-quoted). The file is mode 600 from its first byte (a temporary
 * file created with that mode in the same folder) and replaces the old one in one atomic rename, so a runtime never
 * reads half a file and no other user ever can. Its first line, a comment, names the restart run and the
 * configuration (runtime-config's {@code version}; {@code 51-h3fa9c2e1} for a configuration a rollout holds the
 * runtime at, whose bare number another configuration's can equal: {@link RestartOrder#configuration()}) it holds.
 */
public final class EnvironmentFile {

    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private EnvironmentFile() {
    }

    /** @throws IllegalArgumentException naming the variable whose value a line-based file cannot hold */
    static void write(Path file, RestartOrder order) throws IOException {
        String content = render(order);
        Path target = file.toAbsolutePath();
        Path folder = target.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IOException("environment file " + target + ": folder " + folder + " does not exist");
        }
        Path temporary = Files.createTempFile(folder, "." + target.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("environment file " + target + ": cannot be replaced atomically", e);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    public static String render(RestartOrder order) {
        StringBuilder lines = new StringBuilder("# Written by Keyhouse for restart run ").append(order.runId())
                .append(", configuration version ").append(order.configuration())
                .append(". Do not edit: the next restart replaces it.\n");
        for (Map.Entry<String, String> pair : new TreeMap<>(order.env()).entrySet()) {
            try {
                lines.append(EnvFileDialect.line(pair.getKey(), pair.getValue())).append('\n');
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + "; the file was not written", e);
            }
        }
        return lines.toString();
    }
}
