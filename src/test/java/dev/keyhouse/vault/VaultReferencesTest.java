package dev.keyhouse.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link VaultReferences} against {@link VaultStandIn}: pinning, the TTL cache, and every failure named. */
class VaultReferencesTest {

    private VaultStandIn vault;
    private final AtomicLong nanos = new AtomicLong(1);

    @BeforeEach
    void start() {
        vault = VaultStandIn.start();
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    private VaultReferences references(String token, Duration ttl) {
        Map<String, String> env = Map.of(VaultSettings.ADDR, vault.address(), VaultSettings.TOKEN, token);
        return new VaultReferences(VaultReferences.Result.of(name -> Optional.ofNullable(env.get(name))), ttl,
                nanos::get);
    }

    private static VaultReference ref(String text) {
        return VaultReference.parse(text).orElseThrow();
    }

    @Test
    void aReferenceWithoutVersionIsPinnedToTheCurrentOneAndKeepsResolvingToIt() {
        vault.put("secret", "llm", Map.of("openai_key", "sk-first-value-0001"));
        vault.put("secret", "llm", Map.of("openai_key", "sk-second-value-0002"));
        VaultReferences references = references(vault.rootToken(), Duration.ZERO);

        VaultReference pinned = references.pin(ref("vault:secret/llm#openai_key"));
        assertThat(pinned).hasToString("vault:secret/llm#openai_key?version=2");
        vault.put("secret", "llm", Map.of("openai_key", "sk-third-value-0003"));
        assertThat(references.resolve(pinned).value()).isEqualTo("sk-second-value-0002");
        assertThat(references.pin(ref("vault:secret/llm#openai_key?version=1")))
                .hasToString("vault:secret/llm#openai_key?version=1");
        assertThat(references.resolve(ref("vault:secret/llm#openai_key?version=1")).value())
                .isEqualTo("sk-first-value-0001");
        assertThat(references.resolve(ref("vault:secret/llm#openai_key")).reference())
                .hasToString("vault:secret/llm#openai_key?version=3");
    }

    @Test
    void vaultCacheSecondsIsHowLongAReadValueIsServedWithoutAskingVault() {
        vault.put("secret", "llm", Map.of("openai_key", "sk-cached-value-0001"));
        VaultReferences cached = references(vault.rootToken(), Duration.ofSeconds(300));
        VaultReference pinned = cached.pin(ref("vault:secret/llm#openai_key"));
        int reads = vault.count("GET", "/v1/secret/data/llm");

        assertThat(cached.cached(pinned)).get().extracting(VaultReferences.Resolved::value)
                .isEqualTo("sk-cached-value-0001");
        assertThat(cached.resolve(pinned).value()).isEqualTo("sk-cached-value-0001");
        assertThat(vault.count("GET", "/v1/secret/data/llm")).as("served from the cache").isEqualTo(reads);

        vault.deleteLatest("secret", "llm");
        nanos.addAndGet(Duration.ofSeconds(299).toNanos());
        assertThat(cached.resolve(pinned).value()).as("within the TTL").isEqualTo("sk-cached-value-0001");
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(cached.cached(pinned)).as("past the TTL").isEmpty();
        assertThatThrownBy(() -> cached.resolve(pinned)).isInstanceOf(VaultReferences.Unresolvable.class)
                .satisfies(e -> assertThat(((VaultReferences.Unresolvable) e).kind())
                        .isEqualTo(VaultKv.FailureKind.NOT_FOUND))
                .hasMessageContaining("secret/data/llm");

        // 0: every resolution asks Vault
        vault.put("secret", "tts", Map.of("key", "tts-value-000000001"));
        VaultReferences uncached = references(vault.rootToken(), Duration.ZERO);
        VaultReference tts = uncached.pin(ref("vault:secret/tts#key"));
        int before = vault.count("GET", "/v1/secret/data/tts");
        uncached.resolve(tts);
        uncached.resolve(tts);
        assertThat(vault.count("GET", "/v1/secret/data/tts")).isEqualTo(before + 2);
        assertThat(uncached.cached(tts)).isEmpty();
    }

    @Test
    void everyFailureIsNamedAndNeverCarriesTheTokenOrAValue() {
        vault.put("secret", "llm", Map.of("openai_key", "sk-never-shown-value-42"));
        String token = vault.issueToken();
        VaultReferences references = references(token, Duration.ZERO);
        VaultReference pinned = references.pin(ref("vault:secret/llm#openai_key"));

        assertThatThrownBy(() -> references.resolve(ref("vault:secret/llm#anthropic_key?version=1")))
                .isInstanceOf(VaultReferences.Unresolvable.class).hasMessageContaining("has no key anthropic_key");
        assertThatThrownBy(() -> references.pin(ref("vault:secret/llm#openai_key?version=5")))
                .hasMessageContaining("does not exist (404)");
        assertThatThrownBy(() -> references.pin(ref("vault:secret/nothing#k"))).hasMessageContaining("404");

        vault.seal(true);
        assertThatThrownBy(() -> references.resolve(pinned)).hasMessageContaining("is sealed")
                .satisfies(e -> assertThat(((VaultReferences.Unresolvable) e).kind())
                        .isEqualTo(VaultKv.FailureKind.SEALED));
        vault.seal(false);

        vault.revoke(token);
        assertThatThrownBy(() -> references.resolve(pinned)).hasMessageContaining("403")
                .hasMessageNotContaining(token).hasMessageNotContaining("sk-never-shown")
                .satisfies(e -> assertThat(((VaultReferences.Unresolvable) e).kind())
                        .isEqualTo(VaultKv.FailureKind.DENIED));
    }

    @Test
    void withoutVaultAddrNothingResolves() {
        VaultReferences none = new VaultReferences(VaultReferences.Result.of(name -> Optional.empty()),
                Duration.ofSeconds(300), nanos::get);
        assertThat(none.configured()).isFalse();
        assertThatThrownBy(() -> none.resolve(ref("vault:secret/llm#k?version=1")))
                .isInstanceOf(VaultReferences.Unresolvable.class).hasMessageStartingWith("VAULT_ADDR is not set");
        VaultReferences broken = new VaultReferences(VaultReferences.Result.of(
                name -> name.equals(VaultSettings.ADDR) ? Optional.of(vault.address()) : Optional.empty()),
                Duration.ofSeconds(300), nanos::get);
        assertThatThrownBy(() -> broken.pin(ref("vault:secret/llm#k"))).hasMessageContaining("no way to log in");
        assertThat(vault.requests()).isEmpty();
    }
}
