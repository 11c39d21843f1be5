package dev.keyhouse.runtimes.command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The processes on this host (Linux {@code /proc}) whose environment holds a variable: a command and its children. */
public final class Processes {

    private Processes() {
    }

    /** The ids of the live processes whose environment holds {@code name=value} exactly. */
    public static List<Long> withVariable(String name, String value) {
        byte[] wanted = ("\u0000" + name + "=" + value + "\u0000").getBytes(StandardCharsets.UTF_8);
        List<Long> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : entries.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                byte[] environ;
                try {
                    byte[] read = Files.readAllBytes(entry.resolve("environ"));
                    environ = new byte[read.length + 1];
                    System.arraycopy(read, 0, environ, 1, read.length);
                } catch (IOException | SecurityException e) {
                    continue; // gone, or another user's
                }
                if (indexOf(environ, wanted) >= 0) {
                    found.add(Long.parseLong(entry.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return found;
    }

    private static int indexOf(byte[] in, byte[] wanted) {
        outer:
        for (int i = 0; i + wanted.length <= in.length; i++) {
            for (int j = 0; j < wanted.length; j++) {
                if (in[i + j] != wanted[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
