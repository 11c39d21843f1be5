package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** A provider's code is kept only when it is shaped like a code, and never when it shares a run with the key. */
class VerdictTest {

    @Test
    void theProvidersOwnCodesAreKept() {
        for (String code : List.of("invalid_api_key", "insufficient_quota", "API_KEY_INVALID", "INVALID_AUTH",
                "authentication_error", "20003", "20404", "quota_exceeded", "Unauthorized", "rate-limit.exceeded",
                "ASR_PAYMENT_REQUIRED", "egress_refused")) {
            assertThat(Verdict.of(CheckResult.INVALID_KEY, code).code()).as(code).isEqualTo(code);
        }
    }

    @Test
    void anythingShapedLikeAKeyOrASentenceIsDropped() {
        for (String code : List.of("sk-0123456789abcdef0123456789abcdef", "sk-ant-api03-AbCdEf012345",
                "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", "sk-proj-abcDEF123", "0123456789abcdef0123456789abcdef",
                "SK0123456789abcdef0123456789abcdef", "Incorrect API key provided", "a".repeat(65), "key\n",
                "123456789", "whsec_AbC", "")) {
            assertThat(Verdict.of(CheckResult.INVALID_KEY, code).code()).as(code).isNull();
        }
    }

    @Test
    void aCodeSharingARunWithTheKeyOrItsDecoyIsDropped() {
        Verdict quoted = Verdict.of(CheckResult.INVALID_KEY, "LEAKCANARY_llm");
        assertThat(quoted.withoutSecrets(List.of("sk-leakcanary-0123")).code()).isNull();
        assertThat(quoted.withoutSecrets(List.of("sk-proj-unrelated")).code()).isEqualTo("LEAKCANARY_llm");
        assertThat(Verdict.of(CheckResult.OK).withoutSecrets(List.of("anything")).code()).isNull();
        // a key handed back in pieces, each too short alone: compared without the separators
        String key = "sk-PLANTED-eleven-0123456789abcdef";
        assertThat(Verdict.of(CheckResult.FORBIDDEN, "PLANT.ED.eleven").withoutSecrets(List.of(key)).code()).isNull();
        assertThat(Verdict.of(CheckResult.FORBIDDEN, "sk.PLANT.ED.eleve.n.01234.56789.abcde.f").code())
                .as("more words than a code has").isNull();
        // a provider's own code is kept next to a key that happens to share a short word with it
        assertThat(Verdict.of(CheckResult.INVALID_KEY, "invalid_api_key")
                .withoutSecrets(List.of("LEAKCANARY-llm-apiKey-9c41e2d07b5a")).code()).isEqualTo("invalid_api_key");
    }
}
