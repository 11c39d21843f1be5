package dev.keyhouse.embeddedpostgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostmasterPidFileTest {

    @TempDir
    Path dataDirectory;

    @Test
    void readsPidDirectoryAndPort() throws IOException {
        write(4242);

        PostmasterPidFile file = PostmasterPidFile.read(dataDirectory).orElseThrow();

        assertThat(file.pid()).isEqualTo(4242);
        assertThat(file.port()).isEqualTo(54321);
        assertThat(file.dataDirectory()).isEqualTo(dataDirectory);
    }

    @Test
    void aPidThatNoLongerRunsIsStale() throws IOException {
        Process exited = new ProcessBuilder("true").start();
        exited.onExit().join();
        write(exited.pid());

        assertThat(PostmasterPidFile.read(dataDirectory).orElseThrow().owner(dataDirectory))
                .isEqualTo(PostmasterPidFile.Owner.NO_PROCESS);
    }

    @Test
    void aPidReusedByAnotherProgramIsStale() throws IOException {
        write(ProcessHandle.current().pid());

        assertThat(PostmasterPidFile.read(dataDirectory).orElseThrow().owner(dataDirectory))
                .isEqualTo(PostmasterPidFile.Owner.OTHER_PROCESS);
    }

    @Test
    void aFileCutShortIsIgnored() throws IOException {
        Files.writeString(dataDirectory.resolve("postmaster.pid"), "4242\n");

        assertThat(PostmasterPidFile.read(dataDirectory)).isEmpty();
    }

    private void write(long pid) throws IOException {
        Files.writeString(dataDirectory.resolve("postmaster.pid"),
                pid + "\n" + dataDirectory + "\n1700000000\n54321\n\n127.0.0.1\n  1234 5\nready\n");
    }
}
