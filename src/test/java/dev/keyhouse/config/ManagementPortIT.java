package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar with MANAGEMENT_PORT set (KeyhouseProcess picks a free one): health and metrics answer on that
 * port and are 404 on HTTP_PORT, while the application answers on HTTP_PORT and not on the management port.
 */
class ManagementPortIT {

    @TempDir
    Path temp;

    @Test
    void healthAndMetricsAnswerOnManagementPortAndNotOnHttpPort() throws Exception {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path workDir = Files.createDirectory(temp.resolve("work"));
        Path data = workDir.resolve("data");
        try (KeyhouseProcess keyhouse = KeyhouseProcess.start(workDir, data, "management.log").awaitReady()) {
            for (String path : List.of("/q/health/live", "/q/health/ready", "/q/health/started", "/q/metrics")) {
                assertThat(get(keyhouse.managementUrl() + path).statusCode()).as("MANAGEMENT_PORT " + path).isEqualTo(200);
                assertThat(get(keyhouse.baseUrl() + path).statusCode()).as("HTTP_PORT " + path).isEqualTo(404);
            }
            assertThat(get(keyhouse.managementUrl() + "/q/metrics").body()).contains("keyhouse_rotation_job_scanned");
            assertThat(get(keyhouse.baseUrl() + "/login").statusCode()).isEqualTo(200);
            assertThat(get(keyhouse.managementUrl() + "/login").statusCode()).isEqualTo(404);
        } finally {
            KeyhouseProcess.stopPostgres(data);
        }
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
