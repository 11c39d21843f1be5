package dev.keyhouse.embeddedpostgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * Issue 17: a start finds the unpacked PostgreSQL by the binaries jar's own entry (URL with the version, size, CRC-32
 * from the central directory) instead of reading and hashing the 15 MB archive every time.
 */
class PostgresBinariesTest {

    @Test
    void theArchiveIsKnownByItsJarEntryAndUnpackedUnderThatName() throws Exception {
        String identity = PostgresBinaries.entryIdentity().orElseThrow();
        assertThat(identity).matches("jar-[0-9a-f]{16}").isEqualTo(PostgresBinaries.entryIdentity().orElseThrow());

        Path home = PostgresBinaries.unpack();

        assertThat(home.getFileName()).hasToString(identity);
        assertThat(home.resolve("bin/pg_ctl")).isExecutable();
        assertThat(home.resolve("bin/postgres")).isExecutable();
        assertThat(PostgresBinaries.unpack()).isEqualTo(home);
        assertThat(Files.exists(home.resolve(".complete"))).isTrue();
    }
}
