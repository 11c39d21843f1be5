package dev.keyhouse.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** Every Quarkus test's outbound HTTP stays on loopback: a provider's real host is never even looked up. */
@QuarkusTest
class LoopbackOnlyEgressTest {

    @Inject
    Egress egress;

    @Test
    void theApplicationsEgressInTestsResolvesNoNameButLocalhost() throws Exception {
        assertThat(egress).isInstanceOf(LoopbackOnlyEgress.class);
        assertThat(LoopbackOnlyEgress.resolve("LOCALHOST")[0].getHostAddress()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> LoopbackOnlyEgress.resolve("api.openai.com")).isInstanceOf(UnknownHostException.class);
        assertThatThrownBy(() -> egress.send(Egress.Request.get(URI.create("https://api.openai.com/v1/models"),
                Map.of(), Duration.ofSeconds(1), 100, "the provider")))
                .isInstanceOf(IOException.class).isNotInstanceOf(EgressRefused.class)
                .hasMessage("could not reach the provider at https://api.openai.com/v1/models");
    }
}
