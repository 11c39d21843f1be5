package dev.keyhouse.embeddedpostgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The {@code postmaster.pid} a running PostgreSQL keeps in its data directory: line 1 is the postmaster's
 * PID, line 2 the data directory, line 4 the port. A crash or {@code kill -9} leaves it behind.
 */
public record PostmasterPidFile(long pid, Path dataDirectory, int port) {

    static final String NAME = "postmaster.pid";

    /** What the PID in a left-over file points at. */
    public enum Owner {
        /** A postmaster serving this data directory: stop it before starting a new one. */
        POSTMASTER_OF_THIS_DIRECTORY,
        /** Nothing runs under that PID any more: the file is stale. */
        NO_PROCESS,
        /** The PID now belongs to some other program: the file is stale. */
        OTHER_PROCESS
    }

    /** Reads the file, or returns empty when there is none or it is cut short (PostgreSQL was writing it). */
    public static Optional<PostmasterPidFile> read(Path dataDirectory) throws IOException {
        Path file = dataDirectory.resolve(NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.size() < 4) {
            return Optional.empty();
        }
        try {
            return Optional.of(new PostmasterPidFile(Long.parseLong(lines.get(0).strip()), Path.of(lines.get(1).strip()),
                    Integer.parseInt(lines.get(3).strip())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Decides whether {@link #pid()} is still the postmaster of {@code dataDirectory}. */
    public Owner owner(Path dataDirectory) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(p -> isRunning(p.pid()));
        if (process.isEmpty()) {
            return Owner.NO_PROCESS;
        }
        List<String> commandLine = commandLine(process.get());
        boolean postgres = !commandLine.isEmpty() && Path.of(commandLine.get(0)).getFileName().toString().equals("postgres");
        int dataFlag = commandLine.indexOf("-D");
        boolean sameDirectory = dataFlag >= 0 && dataFlag + 1 < commandLine.size()
                && samePath(Path.of(commandLine.get(dataFlag + 1)), dataDirectory);
        return postgres && sameDirectory ? Owner.POSTMASTER_OF_THIS_DIRECTORY : Owner.OTHER_PROCESS;
    }

    /**
     * Whether {@code pid} runs; a zombie (exited, not yet reaped by its parent) does not. A killed postmaster's
     * parent is init, which may reap late.
     */
    public static boolean isRunning(long pid) {
        Path stat = Path.of("/proc", String.valueOf(pid), "stat");
        if (Files.isDirectory(Path.of("/proc", "self"))) {
            try {
                String text = Files.readString(stat, StandardCharsets.UTF_8);
                int end = text.lastIndexOf(')');
                return end > 0 && end + 2 < text.length() && text.charAt(end + 2) != 'Z';
            } catch (IOException e) {
                return false;
            }
        }
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Waits until {@code pid} no longer runs; returns whether it stopped within {@code timeout}. */
    public static boolean awaitExit(long pid, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !isRunning(pid);
            }
        }
        return true;
    }

    private static List<String> commandLine(ProcessHandle process) {
        Path procFile = Path.of("/proc", String.valueOf(process.pid()), "cmdline");
        try {
            if (Files.isReadable(procFile)) {
                String raw = new String(Files.readAllBytes(procFile), StandardCharsets.UTF_8);
                return Arrays.asList(raw.split("\0"));
            }
        } catch (IOException e) {
            // the process ended meanwhile, or /proc hides it: fall back to what the JDK can see
        }
        ProcessHandle.Info info = process.info();
        if (info.command().isEmpty()) {
            return List.of();
        }
        List<String> all = new java.util.ArrayList<>();
        all.add(info.command().get());
        info.arguments().ifPresent(args -> all.addAll(Arrays.asList(args)));
        return all;
    }

    private static boolean samePath(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }
}
