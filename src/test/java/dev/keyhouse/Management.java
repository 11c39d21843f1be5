package dev.keyhouse;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/**
 * The management interface of the application under {@code @QuarkusTest}: health ({@code /q/health...}) and metrics
 * ({@code /q/metrics}) answer there, on a port of their own, never on the public HTTP port.
 */
public final class Management {

    private Management() {
    }

    /**
     * The port the management interface listens on. {@code quarkus.management.test-port=0} lets the system pick it;
     * Quarkus then publishes the port it bound as the system property {@code quarkus.management.test-port}.
     */
    public static int port() {
        String port = System.getProperty("quarkus.management.test-port");
        if (port == null || port.isBlank() || "0".equals(port)) {
            throw new IllegalStateException("the management interface has not started (no quarkus.management.test-port)");
        }
        return Integer.parseInt(port);
    }

    /** A REST Assured request to the management interface (loopback, its port). */
    public static RequestSpecification given() {
        return RestAssured.given().baseUri("http://localhost").port(port());
    }
}
