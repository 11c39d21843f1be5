package dev.keyhouse.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Origin}: every change of scheme, host or port is seen, whatever Java's URI parser makes of the authority
 * (host names with '_' are registry-based to it: no host, port -1); the same origin written another way is one.
 */
class OriginTest {

    @ParameterizedTest
    @CsvSource({
            "http://local_llm:11434/v1, http://local_llm:9999/v1",
            "http://local_llm:11434/v1, http://local_llm:1/v1",
            "http://local_llm:11434/v1, http://local_llm/v1",
            "http://local_llm/v1, http://local_llm:8080/v1",
            "http://local_llm:11434/v1, https://local_llm:11434/v1",
            "http://local_llm:11434/v1, http://other_llm:11434/v1",
            "http://local_llm:11434/v1, http://local_llm.:11434/v1",
            "http://local_llm:11434/v1, http://local_llm.attacker.example:11434/v1",
            "http://llm_1.internal:80/v1, http://llm_1.internal:81/v1",
            "http://u@local_llm:1/v1, http://u@local_llm:2/v1",
            "http://local_llm:11434@evil.example/v1, http://local_llm:11434/v1",
            "http://a@b@local_llm:1/, http://local_llm:2/",
            "http://[::1]:11434/v1, http://[::1]:9999/v1",
            "http://[::1]/v1, http://[::2]/v1",
            "http://[::1]/v1, https://[::1]/v1",
            "http://[::ffff:127.0.0.1]:28000/, http://127.0.0.1:28000/",
            "http://[fe80::1%25eth0]:80/, http://[fe80::1%25eth1]:80/",
            "https://api.openai.com/v1, https://api.openai.com./v1",
            "https://api.openai.com/v1, https://api.openai.com:8443/v1",
            "https://api.openai.com/v1, http://api.openai.com/v1",
            "https://api.openai.com/v1, https://api.openai.com.attacker.example/v1",
            "http://127.0.0.1:8080/, http://127.0.0.1:8081/",
            "http://2130706433:80/, http://2130706433:81/",
            "http://local_llm:99999/v1, http://local_llm:99998/v1",
            "http://local_llm:x/v1, http://local_llm:y/v1"})
    void everySchemeHostOrPortChangeIsSeen(String before, String after) {
        assertThat(Origin.of(after)).as("%s -> %s", before, after).isNotEqualTo(Origin.of(before));
    }

    @ParameterizedTest
    @CsvSource({
            "http://local_llm:11434/v1, http://LOCAL_LLM:11434/v2, http://local_llm:11434",
            "http://local_llm/v1, http://local_llm:80/x, http://local_llm:80",
            "https://local_llm/v1, https://local_llm:443, https://local_llm:443",
            "http://local_llm:/v1, http://local_llm:80/v1, http://local_llm:80",
            "http://local_llm:011434/v1, http://local_llm:11434/v1, http://local_llm:11434",
            "http://u@local_llm:11434/v1, http://local_llm:11434/v1, http://local_llm:11434",
            "HTTP://Local_LLM.:11434/v1, http://local_llm.:11434/x, http://local_llm.:11434",
            "https://API.OpenAI.com:443/v1, https://api.openai.com/v2, https://api.openai.com:443",
            "http://[::1]/v1, http://[0:0:0:0:0:0:0:1]:80/v2, http://[0:0:0:0:0:0:0:1]:80",
            "http://[FD00::7]:11434/v1, http://[fd00:0::7]:11434/, http://[fd00:0:0:0:0:0:0:7]:11434",
            "http://[::ffff:127.0.0.1]:28000/, http://[::FFFF:7f00:1]:28000/x, http://[0:0:0:0:0:ffff:7f00:1]:28000",
            "https://user:pw@[2606:4700::1111]/, https://[2606:4700:0::1111]:443/, https://[2606:4700:0:0:0:0:0:1111]:443"})
    void theSameOriginWrittenAnotherWayIsOne(String one, String other, String origin) {
        assertThat(List.of(Origin.of(one), Origin.of(other))).containsOnly(origin);
    }

    @ParameterizedTest
    @CsvSource({"http://local_llm:11434/v1, local_llm", "http://[::1]:8/x, [::1]", "http://u@h_1:2/, h_1",
            "http://2130706433/, 2130706433", "http://0x7f.1:80/, 0x7f.1"})
    void theHostIsReadFromTheAuthorityWhenJavaSeesNoServer(String url, String host) {
        assertThat(Egress.host(java.net.URI.create(url))).isEqualTo(host);
    }

    /** ws and wss default to http's and https's ports (RFC 6455 section 3), so a LiveKit URL's origin is stable. */
    @org.junit.jupiter.api.Test
    void websocketSchemesHaveTheirDefaultPortsWrittenOut() {
        org.assertj.core.api.Assertions.assertThat(Origin.of("wss://LiveKit.example.com/rtc"))
                .isEqualTo("wss://livekit.example.com:443").isEqualTo(Origin.of("wss://livekit.example.com:443"));
        org.assertj.core.api.Assertions.assertThat(Origin.of("ws://livekit/")).isEqualTo("ws://livekit:80");
        org.assertj.core.api.Assertions.assertThat(Origin.of("wss://livekit.example.com"))
                .as("another scheme is another origin").isNotEqualTo(Origin.of("https://livekit.example.com"));
    }
}
