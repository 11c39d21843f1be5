package dev.keyhouse.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code vault:} reference syntax (issue 18 point 2): strict, canonical. */
class VaultReferenceTest {

    @Test
    void theIssuesExampleParsesIntoMountPathAndKey() {
        VaultReference reference = VaultReference.parse("vault:secret/llm#openai_key").orElseThrow();
        assertThat(reference).isEqualTo(new VaultReference("secret", "llm", "openai_key", null));
        assertThat(reference.kvPath().dataPath()).isEqualTo("secret/data/llm");
        assertThat(reference.pinned()).isFalse();
        assertThat(reference).hasToString("vault:secret/llm#openai_key");
    }

    @Test
    void aVersionAndDeeperPathsParseAndPrintBackTheSame() {
        for (String text : new String[] {"vault:secret/llm#openai_key?version=3", "vault:kv/team-a/prod/llm#OPENAI.key",
                "vault:kv_2/a.b/c-d#k-1?version=12", "vault:s/p#k?version=999999999"}) {
            assertThat(VaultReference.parse(text)).as(text).get().hasToString(text);
        }
        VaultReference deep = VaultReference.parse("vault:kv/team-a/prod/llm#key?version=7").orElseThrow();
        assertThat(deep.mount()).isEqualTo("kv");
        assertThat(deep.path()).isEqualTo("team-a/prod/llm");
        assertThat(deep.version()).isEqualTo(7);
        assertThat(deep.unpinned().pinnedTo(8)).hasToString("vault:kv/team-a/prod/llm#key?version=8");
    }

    /** A reference typed with its version is stored held there ({@code &hold}); pinning keeps it held. */
    @Test
    void aHeldReferenceKeepsItsVersionAndPrintsBackTheSame() {
        VaultReference held = VaultReference.parse("vault:secret/llm#openai_key?version=3&hold").orElseThrow();
        assertThat(held.held()).isTrue();
        assertThat(held.version()).isEqualTo(3);
        assertThat(held).hasToString("vault:secret/llm#openai_key?version=3&hold");
        assertThat(held.pinnedTo(4)).hasToString("vault:secret/llm#openai_key?version=4&hold");
        assertThat(held.unpinned()).hasToString("vault:secret/llm#openai_key");
        VaultReference followed = VaultReference.parse("vault:secret/llm#openai_key?version=3").orElseThrow();
        assertThat(followed.held()).isFalse();
        assertThat(followed.hold()).isEqualTo(held);
        assertThatThrownBy(() -> new VaultReference("secret", "llm", "k", null, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"vault:", "vault:secret", "vault:secret/llm", "vault:secret#key", "vault:/llm#key",
            "vault:secret/llm#", "vault:secret//llm#key", "vault:secret/llm/#key", "vault:secret/llm#key?version=0",
            "vault:secret/llm#key?version=-1", "vault:secret/llm#key?version=01", "vault:secret/llm#key?version=x",
            "vault:secret/llm#key?version=", "vault:secret/llm#key?v=3", "vault:secret/llm#key&version=3",
            "vault:secret/llm#a#b", "vault:secret/../llm#key", "vault:./llm#key", "vault:secret/llm#..",
            "vault:secret/ll m#key", "vault:secret/llm#key ", " vault:secret/llm#key", "vault:secret/llm#ké",
            "vault:secret/llm#key?version=3&x=1", "vault:secret/llm#key?version=99999999999",
            "VAULT:secret/llm#key", "vault:secret\\llm#key", "vault:secret/llm#key\n", "vault:secret/llm#key&hold",
            "vault:secret/llm#key?hold", "vault:secret/llm#key?version=3&hold&hold",
            "vault:secret/llm#key?version=3&HOLD",
            "vault:secret/llm#key?version=3&hold=true"})
    void anythingElseIsRefused(String text) {
        assertThat(VaultReference.parse(text)).as(text).isEmpty();
    }

    @Test
    void onlyTheExactPrefixMarksAReference() {
        assertThat(VaultReference.isReference("vault:anything")).isTrue();
        assertThat(VaultReference.isReference("sk-vault:abc")).isFalse();
        assertThat(VaultReference.isReference("Vault:secret/llm#k")).as("meant as one: refused by parse").isTrue();
        assertThat(VaultReference.isReference("VAULT:secret/llm#k")).isTrue();
        assertThat(VaultReference.parse("VAULT:secret/llm#k")).isEmpty();
        assertThat(VaultReference.isReference(null)).isFalse();
    }
}
