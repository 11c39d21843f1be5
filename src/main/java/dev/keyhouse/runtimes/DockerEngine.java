package dev.keyhouse.runtimes;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.transport.DockerHttpClient;

/**
 * One Docker Engine as the driver talks to it: docker-java's client, and its HTTP client for the few fields
 * docker-java's model leaves out.
 */
record DockerEngine(DockerClient docker, DockerHttpClient http) implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a container wants to be stopped ({@code --stop-signal}, {@code --stop-timeout}); nulls when unset. */
    record StopSettings(String signal, Integer timeout) {
    }

    StopSettings stopSettings(String containerId) {
        DockerHttpClient.Request request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.GET)
                .path("/containers/" + containerId + "/json").build();
        try (DockerHttpClient.Response response = http.execute(request)) {
            if (response.getStatusCode() != 200) {
                return new StopSettings(null, null);
            }
            JsonNode config = JSON.readTree(response.getBody()).path("Config");
            String signal = config.path("StopSignal").asText("");
            JsonNode timeout = config.path("StopTimeout");
            return new StopSettings(signal.isEmpty() ? null : signal, timeout.isInt() ? timeout.asInt() : null);
        } catch (IOException e) {
            throw new IllegalStateException("reading container " + containerId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        docker.close();
        http.close();
    }
}
