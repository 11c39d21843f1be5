package dev.keyhouse.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

/** The VAULT_* variables: which login is used, and every wrong combination named before anything is sent. */
class VaultSettingsTest {

    private static Function<String, Optional<String>> lookup(Map<String, String> values) {
        return name -> Optional.ofNullable(values.get(name));
    }

    @Test
    void withoutAnAddressVaultIsNotUsed() {
        assertThat(VaultSettings.from(lookup(Map.of()))).isEmpty();
        assertThat(VaultSettings.problems(lookup(Map.of("VAULT_ADDR", "  ")))).isEmpty();
    }

    @Test
    void aTokenWinsOverAppRoleAndAppRoleOverKubernetes() {
        Map<String, String> all = Map.of("VAULT_ADDR", "http://127.0.0.1:8200", "VAULT_TOKEN", "t0k3n",
                "VAULT_ROLE_ID", "role", "VAULT_SECRET_ID", "s3cr3t", "VAULT_KUBERNETES_ROLE", "keyhouse");
        assertThat(VaultSettings.from(lookup(all)).orElseThrow().auth()).isInstanceOf(VaultSettings.TokenAuth.class);
        Map<String, String> appRole = new java.util.HashMap<>(all);
        appRole.remove("VAULT_TOKEN");
        assertThat(VaultSettings.from(lookup(appRole)).orElseThrow().auth()).isEqualTo(
                new VaultSettings.AppRoleAuth("role", "s3cr3t"));
        VaultSettings kubernetes = VaultSettings.from(lookup(Map.of("VAULT_ADDR", "https://vault.internal:8200",
                "VAULT_KUBERNETES_ROLE", "keyhouse"))).orElseThrow();
        assertThat(kubernetes.auth()).isEqualTo(new VaultSettings.KubernetesAuth("keyhouse",
                java.nio.file.Path.of(VaultSettings.DEFAULT_KUBERNETES_TOKEN_PATH)));
        assertThat(kubernetes.kvPath()).as("no VAULT_KV_PATH: references only").isEmpty();
    }

    @Test
    void theKvPathIsTheApiPathOfAKvV2Secret() {
        assertThat(VaultSettings.KvPath.parseDataPath("secret/data/keyhouse/production"))
                .isEqualTo(new VaultSettings.KvPath("secret", "keyhouse/production"));
        assertThat(VaultSettings.KvPath.parseDataPath("/v1/kv/data/app")).isEqualTo(new VaultSettings.KvPath("kv", "app"));
        assertThat(new VaultSettings.KvPath("secret", "keyhouse/production").metadataPath())
                .isEqualTo("secret/metadata/keyhouse/production");
        for (String bad : new String[] {"secret/keyhouse/production", "secret/data/", "/data/x", "secret/data//x",
                "secret/data/x/", "secret/data/x?version=2", "secret/data/x y", "secret/data/ключ",
                "secret/data/../keyhouse/prod", "secret/data/./x", "../data/x"}) {
            assertThatThrownBy(() -> VaultSettings.KvPath.parseDataPath(bad)).as(bad)
                    .hasMessageContaining("VAULT_KV_PATH must be a KV v2 API path, <mount>/data/<path>");
        }
    }

    @Test
    void everyWrongCombinationIsNamedWithoutAValue() {
        assertThat(VaultSettings.problems(lookup(Map.of("VAULT_KV_PATH", "secret/data/k", "VAULT_TOKEN", "hvs.planted"))))
                .containsExactly(
                        "VAULT_KV_PATH is set but VAULT_ADDR is not: set VAULT_ADDR to the Vault address, e.g."
                                + " https://vault.internal:8200, or unset VAULT_KV_PATH",
                        "VAULT_TOKEN is set but VAULT_ADDR is not: set VAULT_ADDR to the Vault address, e.g."
                                + " https://vault.internal:8200, or unset VAULT_TOKEN");
        assertThat(VaultSettings.problems(lookup(Map.of("VAULT_ADDR", "http://127.0.0.1:8200"))))
                .containsExactly("VAULT_ADDR is set but Keyhouse has no way to log in to Vault: set VAULT_TOKEN, or"
                        + " VAULT_ROLE_ID and VAULT_SECRET_ID (AppRole), or VAULT_KUBERNETES_ROLE (Kubernetes auth)");
        assertThat(VaultSettings.problems(lookup(Map.of("VAULT_ADDR", "http://127.0.0.1:8200",
                "VAULT_ROLE_ID", "role")))).containsExactly("VAULT_SECRET_ID is not set: AppRole needs both"
                        + " VAULT_ROLE_ID and VAULT_SECRET_ID");
        for (String address : new String[] {"127.0.0.1:8200", "ftp://vault:21", "http://user:pw@vault:8200",
                "http://vault:8200/v1", "http://vault:8200?x=1", "not a url"}) {
            assertThat(VaultSettings.problems(lookup(Map.of("VAULT_ADDR", address, "VAULT_TOKEN", "hvs.planted"))))
                    .as(address).singleElement().asString().startsWith("VAULT_ADDR ").doesNotContain("hvs.planted", "pw@");
        }
        assertThatThrownBy(() -> VaultSettings.from(lookup(Map.of("VAULT_ADDR", "http://127.0.0.1:8200",
                "VAULT_TOKEN", "hvs.planted", "VAULT_KV_PATH", "secret/oops"))))
                .hasMessageContaining("VAULT_KV_PATH must be").hasMessageNotContaining("hvs.planted");
    }

    @Test
    void noCredentialIsInTheSettingsText() {
        VaultSettings settings = VaultSettings.from(lookup(Map.of("VAULT_ADDR", "http://127.0.0.1:8200",
                "VAULT_ROLE_ID", "role-1", "VAULT_SECRET_ID", "planted-secret-id"))).orElseThrow();
        assertThat(settings.toString()).contains("role-1").doesNotContain("planted-secret-id");
        assertThat(new VaultSettings.TokenAuth("hvs.planted").toString()).doesNotContain("hvs.planted");
    }
}
