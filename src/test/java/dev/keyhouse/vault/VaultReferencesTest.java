package dev.keyhouse.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
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

    /**
     * Keyhouse's own secrets never become a provider's key: not from the secret VAULT_KV_PATH names, whatever key is
     * asked, nor from any other secret holding one of Keyhouse's own variables (the Vault Agent route renders them
     * from a path Keyhouse does not know); a secret holding a provider key named as a seed variable is fine.
     */
    @Test
    void keyhousesOwnSecretsAreNeverReadForAReference() {
        vault.put("secret", "keyhouse/production", Map.of("JWT_SECRET_KEY", "planted-jwt-key-value-0001",
                "harmless", "planted-harmless-value-0002"));
        vault.put("secret", "agent/keyhouse", Map.of("CREDENTIAL_ENCRYPTION_KEY", "planted-encryption-key-0003",
                "POSTGRES_PASSWORD", "planted-db-password-0004", "openai_key", "sk-beside-own-0005"));
        vault.put("secret", "llm", Map.of("OPENAI_API_KEY", "sk-seed-named-key-0006"));
        Map<String, String> env = Map.of(VaultSettings.ADDR, vault.address(), VaultSettings.TOKEN, vault.rootToken(),
                VaultSettings.KV_PATH, "secret/data/keyhouse/production");
        VaultReferences references = new VaultReferences(
                VaultReferences.Result.of(name -> Optional.ofNullable(env.get(name))), Duration.ofSeconds(300),
                nanos::get);

        for (String own : List.of("vault:secret/keyhouse/production#JWT_SECRET_KEY",
                "vault:secret/keyhouse/production#harmless", "vault:secret/keyhouse/production#harmless?version=1")) {
            List<java.util.function.Consumer<VaultReference>> calls = List.of(references::pin, references::resolve,
                    references::resolveNow);
            for (java.util.function.Consumer<VaultReference> call : calls) {
                assertThatThrownBy(() -> call.accept(ref(own))).as(own)
                        .isInstanceOf(VaultReferences.Unresolvable.class)
                        .hasMessage("Vault secret secret/data/keyhouse/production is Keyhouse's own (VAULT_KV_PATH):"
                                + " a provider setting may not read it; keep provider keys at another path (" + own
                                + ")");
            }
        }
        assertThat(vault.count("GET", "/v1/secret/data/keyhouse/production")).as("not even read").isZero();
        assertThatThrownBy(() -> references.pin(ref("vault:secret/agent/keyhouse#openai_key")))
                .isInstanceOf(VaultReferences.Unresolvable.class)
                .hasMessage("Vault secret secret/data/agent/keyhouse holds Keyhouse's own CREDENTIAL_ENCRYPTION_KEY,"
                        + " POSTGRES_PASSWORD: a provider setting may not read a secret that holds Keyhouse's own"
                        + " variables; keep provider keys at another path (vault:secret/agent/keyhouse#openai_key"
                        + "?version=1)")
                .message().doesNotContain("planted").doesNotContain("sk-beside-own");
        assertThat(references.resolve(references.pin(ref("vault:secret/llm#OPENAI_API_KEY"))).value())
                .isEqualTo("sk-seed-named-key-0006");
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
