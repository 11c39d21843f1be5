package dev.keyhouse.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The unit tests' JVM resolves only loopback names (surefire's {@code -Djdk.net.hosts.file=src/test/hosts}): a
 * provider check left on its documented host, such as {@code https://api.deepgram.com}, fails as an unknown host
 * instead of sending traffic off this machine, whatever DNS the machine running the tests has.
 */
class LoopbackOnlyTest {

    @Test
    void aProvidersRealHostDoesNotResolveAndLocalhostDoes() throws Exception {
        for (String host : new String[] { "api.deepgram.com", "api.openai.com", "api.soniox.com", "example.com" }) {
            assertThatThrownBy(() -> InetAddress.getAllByName(host)).as(host).isInstanceOf(UnknownHostException.class);
        }
        assertThat(InetAddress.getByName("localhost").isLoopbackAddress()).isTrue();
    }

    /** The machine's own /etc/hosts (which the system resolver reads) is not read either: only src/test/hosts is. */
    @Test
    void theMachinesHostsFileIsNotRead() throws Exception {
        Path hosts = Path.of("/etc/hosts");
        assertThat(hosts).exists();
        List<String> names = Files.readAllLines(hosts).stream().map(line -> line.replaceFirst("#.*", "").trim())
                .filter(line -> !line.isEmpty()).flatMap(line -> Arrays.stream(line.split("\\s+")).skip(1))
                .filter(name -> !name.equals("localhost")).distinct().toList();
        for (String name : names) {
            assertThatThrownBy(() -> InetAddress.getAllByName(name)).as(name).isInstanceOf(UnknownHostException.class);
        }
    }
}
