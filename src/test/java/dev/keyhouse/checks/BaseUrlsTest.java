package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** How the checks derive a provider's endpoint from a setting's base URL. */
class BaseUrlsTest {

    @Test
    void aPathGoesUnderTheBaseUrlWithOrWithoutItsTrailingSlashes() {
        assertThat(BaseUrls.under("https://api.openai.com/v1", "/models"))
                .hasToString("https://api.openai.com/v1/models");
        assertThat(BaseUrls.under("https://api.openai.com/v1//", "/models"))
                .hasToString("https://api.openai.com/v1/models");
        assertThat(BaseUrls.under("http://llm.internal:8000", "/key")).hasToString("http://llm.internal:8000/key");
    }

    @Test
    void anOriginPathKeepsSchemeAndAuthorityOnly() {
        assertThat(BaseUrls.atOrigin("https://api.deepseek.com/v1?x=1#f", "/user/balance"))
                .hasToString("https://api.deepseek.com/user/balance");
        assertThat(BaseUrls.atOrigin("http://[::1]:8080/a/b", "/c")).hasToString("http://[::1]:8080/c");
    }

    @Test
    void theLastSegmentIsDroppedOnlyWhenItIsThatWholeSegment() {
        assertThat(BaseUrls.withoutLastSegment("/v1beta/openai", "openai")).isEqualTo("/v1beta");
        assertThat(BaseUrls.withoutLastSegment("/v1beta/notopenai", "openai")).isEqualTo("/v1beta/notopenai");
        assertThat(BaseUrls.withoutLastSegment("/openai", "openai")).isEmpty();
        assertThat(BaseUrls.path("https://generativelanguage.googleapis.com/v1beta/openai/"))
                .isEqualTo("/v1beta/openai");
        assertThat(BaseUrls.path("https://api.deepseek.com")).isEmpty();
    }

    @Test
    void aBaseUrlThatIsNotAnAbsoluteUrlIsRefusedNamingTheFieldNeverItsValue() {
        for (String bad : new String[] {"api.openai.com/v1", "https://exa mple.com/sk-secret-in-url", "/v1",
                "mailto:sk-secret"}) {
            assertThatThrownBy(() -> BaseUrls.under(bad, "/models")).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("baseUrl ").hasMessageNotContaining(bad).hasMessageNotContaining("sk-");
            assertThatThrownBy(() -> BaseUrls.atOrigin(bad, "/user/balance")).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("sk-");
        }
    }
}
