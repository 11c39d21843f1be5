package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import dev.keyhouse.Metrics;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** keyhouse_setting_saves_total{kind} counts committed saves only. */
@QuarkusTest
class SettingMetricsTest {

    private static final String TTS = "kind=\"tts\"";
    private static final Map<String, String> TTS_BODY = Map.of("provider", "elevenlabs", "voice", "Rachel",
            "model", "eleven_multilingual_v2", "apiKey", "el-metrics-tts-0a1b2c3d4e5f6071");

    @Test
    void aSaveCountsForItsKind() {
        double tts = Metrics.value("keyhouse_setting_saves_total", TTS);
        double llm = Metrics.value("keyhouse_setting_saves_total", "kind=\"llm\"");
        Clients.put("tts", Clients.version("tts"), TTS_BODY).then().statusCode(200);
        assertThat(Metrics.value("keyhouse_setting_saves_total", TTS)).isEqualTo(tts + 1);
        assertThat(Metrics.value("keyhouse_setting_saves_total", "kind=\"llm\"")).isEqualTo(llm);
    }

    @Test
    void aRefusedSaveDoesNotCount() {
        double tts = Metrics.value("keyhouse_setting_saves_total", TTS);
        Clients.put("tts", Clients.version("tts"), Map.of("provider", "elevenlabs")).then().statusCode(400);
        Clients.put("tts", Clients.version("tts") + 7, TTS_BODY).then().statusCode(412);
        assertThat(Metrics.value("keyhouse_setting_saves_total", TTS)).isEqualTo(tts);
    }
}
