package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LOG_FORMAT switches the packaged jar's console log between text and one JSON object a line. */
class LogFormatIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path workDir;

    @BeforeEach
    void searchableWorkDir() throws IOException {
        // When the build runs as root, PostgreSQL runs as nobody and must be able to reach its folder.
        Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static List<String> lines(KeyhouseProcess keyhouse) throws Exception {
        return keyhouse.logText().lines().filter(line -> !line.isBlank()).toList();
    }

    @Test
    void jsonWritesOneJsonObjectALine() throws Exception {
        try (KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, workDir.resolve("data"), "json.log",
                Map.of("LOG_FORMAT", "json"))) {
            keyhouse.awaitReady();
            List<String> lines = lines(keyhouse);
            assertThat(lines).isNotEmpty();
            for (String line : lines) {
                JsonNode record = JSON.readTree(line);
                assertThat(record.isObject()).as(line).isTrue();
                assertThat(record.path("message").isMissingNode()).as(line).isFalse();
                assertThat(record.path("level").asText()).as(line).isNotBlank();
            }
            assertThat(lines).anyMatch(line -> line.contains("\"loggerName\""));
        }
    }

    @Test
    void textIsTheDefault() throws Exception {
        try (KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, workDir.resolve("data"), "text.log")) {
            keyhouse.awaitReady();
            assertThat(lines(keyhouse)).isNotEmpty().noneMatch(line -> line.startsWith("{"));
        }
    }

    @Test
    void anyOtherValueIsRefusedByName() throws Exception {
        try (KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, workDir.resolve("data"), "xml.log",
                Map.of("LOG_FORMAT", "xml"))) {
            assertThat(keyhouse.awaitExit(Duration.ofSeconds(60))).isEqualTo(KeyhouseMain.EXIT_CONFIGURATION);
            assertThat(keyhouse.logText()).contains("LOG_FORMAT (from the environment) must be json or text");
        }
    }
}
