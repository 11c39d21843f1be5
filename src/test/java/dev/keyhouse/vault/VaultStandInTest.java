package dev.keyhouse.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

import io.quarkus.vault.client.VaultClient;
import io.quarkus.vault.client.VaultClientException;
import io.quarkus.vault.client.api.secrets.kv2.VaultSecretsKV2;
import io.quarkus.vault.client.api.secrets.kv2.VaultSecretsKV2ReadSecretData;
import io.quarkus.vault.client.api.secrets.kv2.VaultSecretsKV2ReadSecretMetadataResultData;
import io.quarkus.vault.client.api.sys.health.VaultHealthStatus;
import io.quarkus.vault.client.http.jdk.JDKVaultHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link VaultStandIn} answers the Quarkiverse Vault client ({@code io.quarkiverse.vault:quarkus-vault-client}, JDK
 * executor: the client Keyhouse uses) as Vault would: what the client sees is asserted, values, versions, statuses and
 * error lists, so that a stand-in that drifted from the documented shapes fails here before it misleads a Keyhouse
 * test.
 */
class VaultStandInTest {

    private static final String PATH = "keyhouse/production";

    private final VaultStandIn vault = VaultStandIn.start();

    @AfterEach
    void stop() {
        vault.close();
    }

    private VaultClient client(UnaryOperator<VaultClient.Builder> auth) {
        return auth.apply(VaultClient.builder()
                .baseUrl(vault.address())
                .executor(new JDKVaultHttpClient(HttpClient.newHttpClient()))
                .requestTimeout(Duration.ofSeconds(5)))
                .build();
    }

    private VaultSecretsKV2 kv(String token) {
        return client(b -> b.clientToken(token)).secrets().kv2("secret");
    }

    private static <T> T get(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    /** The {@link VaultClientException} a call ends with. */
    private static VaultClientException failure(CompletionStage<?> stage) {
        Throwable thrown = catchThrowable(() -> stage.toCompletableFuture().join());
        assertThat(thrown).isInstanceOf(CompletionException.class);
        assertThat(thrown.getCause()).isInstanceOf(VaultClientException.class);
        return (VaultClientException) thrown.getCause();
    }

    @Test
    void aTokenReadsTheLatestVersionAndAnAskedOneValueForValue() {
        String awkward = "p@ss w0rd $HOME #not-a-comment \"quoted\" back\\slash 'single' ünï";
        assertThat(vault.put("secret", PATH, Map.of("JWT_SECRET_KEY", "first"))).isEqualTo(1);
        assertThat(vault.put("secret", PATH, Map.of("JWT_SECRET_KEY", "second", "SYSTEM_ADMIN_PASSWORD", awkward)))
                .isEqualTo(2);
        VaultSecretsKV2 kv = kv(vault.rootToken());

        VaultSecretsKV2ReadSecretData latest = get(kv.readSecret(PATH));
        assertThat(latest.getData()).containsExactlyInAnyOrderEntriesOf(
                Map.of("JWT_SECRET_KEY", "second", "SYSTEM_ADMIN_PASSWORD", awkward));
        assertThat(latest.getMetadata().getVersion()).isEqualTo(2);
        assertThat(latest.getMetadata().getCreatedTime()).isNotNull();
        assertThat(latest.getMetadata().getDeletionTime()).isNull();
        assertThat(latest.getMetadata().isDestroyed()).isFalse();

        VaultSecretsKV2ReadSecretData first = get(kv.readSecret(PATH, 1));
        assertThat(first.getData()).containsExactlyEntriesOf(Map.of("JWT_SECRET_KEY", "first"));
        assertThat(first.getMetadata().getVersion()).isEqualTo(1);
        assertThat(get(kv.readSecret(PATH, 0)).getMetadata().getVersion()).as("version 0 is the latest").isEqualTo(2);

        assertThat(vault.requests()).extracting(VaultStandIn.Received::method, VaultStandIn.Received::path,
                VaultStandIn.Received::query, VaultStandIn.Received::token).containsExactly(
                        tuple("GET", "/v1/secret/data/" + PATH, null, true),
                        tuple("GET", "/v1/secret/data/" + PATH, "version=1", true),
                        tuple("GET", "/v1/secret/data/" + PATH, "version=0", true));
        assertThat(vault.count("GET", "/v1/secret/data/")).isEqualTo(3);
        assertThat(vault.requests().toString()).doesNotContain(vault.rootToken());
    }

    @Test
    void metadataShowsTheCurrentVersionAfterTwoPutsAndEachVersion() {
        vault.put("secret", PATH, Map.of("A", "1"));
        vault.put("secret", PATH, Map.of("A", "2"));
        VaultSecretsKV2ReadSecretMetadataResultData metadata = get(kv(vault.rootToken()).readSecretMetadata(PATH));
        assertThat(metadata.getCurrentVersion()).isEqualTo(2);
        assertThat(metadata.getOldestVersion()).isZero();
        assertThat(metadata.getMaxVersions()).isZero();
        assertThat(metadata.isCasRequired()).isFalse();
        assertThat(metadata.getCreatedTime()).isNotNull();
        assertThat(metadata.getUpdatedTime()).isAfterOrEqualTo(metadata.getCreatedTime());
        assertThat(metadata.getVersions()).containsOnlyKeys("1", "2");
        assertThat(metadata.getVersions().get("2").getCreatedTime()).isNotNull();
        assertThat(metadata.getVersions().get("2").getDeletionTime()).isNull();
        assertThat(vault.count("GET", "/v1/secret/metadata/" + PATH)).isEqualTo(1);

        VaultClientException none = failure(kv(vault.rootToken()).readSecretMetadata("keyhouse/nothing-here"));
        assertThat(none.getStatus()).isEqualTo(404);
    }

    @Test
    void aMissingUnknownOrRevokedTokenIsPermissionDenied() {
        vault.put("secret", PATH, Map.of("A", "1"));
        VaultClientException unknown = failure(kv("hvs.not-a-token-this-vault-issued").readSecret(PATH));
        assertThat(unknown.getStatus()).isEqualTo(403);
        assertThat(unknown.getErrors()).containsExactly("permission denied");
        assertThat(unknown.isPermissionDenied()).isTrue();

        VaultClientException missing = failure(client(b -> b).secrets().kv2("secret").readSecret(PATH));
        assertThat(missing.getStatus()).isEqualTo(403);
        assertThat(missing.getErrors()).containsExactly("permission denied");

        String token = vault.issueToken();
        assertThat(get(kv(token).readSecret(PATH)).getData()).containsEntry("A", "1");
        var self = get(client(b -> b.clientToken(token)).auth().token().lookupSelf());
        assertThat(self.getPolicies()).contains("default");
        assertThat(self.getTtl()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(VaultStandIn.TOKEN_TTL_SECONDS));
        assertThat(self.isRenewable()).isTrue();
        assertThat(self.getId()).as("lookup-self returns the token's id, as Vault does").isEqualTo(token);

        vault.revoke(token);
        VaultClientException revoked = failure(kv(token).readSecret(PATH));
        assertThat(revoked.getStatus()).isEqualTo(403);
        assertThat(revoked.getErrors()).containsExactly("permission denied");
        assertThat(failure(client(b -> b.clientToken(token)).auth().token().lookupSelf()).getStatus()).isEqualTo(403);

        var root = get(client(b -> b.clientToken(vault.rootToken())).auth().token().lookupSelf());
        assertThat(root.getPolicies()).containsExactly("root");
        assertThat(root.getTtl()).isZero();
        assertThat(root.isRenewable()).isFalse();
        assertThat(vault.requests()).extracting(VaultStandIn.Received::token)
                .containsExactly(true, false, true, true, true, true, true);
    }

    @Test
    void aTokenRenewsItselfButTheRootTokenDoesNotAndWritesAreNotServed() {
        String token = vault.issueToken();
        var renewed = get(client(b -> b.clientToken(token)).auth().token().renewSelf(null));
        assertThat(renewed.getClientToken()).isEqualTo(token);
        assertThat(renewed.getLeaseDuration()).isEqualTo(Duration.ofSeconds(VaultStandIn.TOKEN_TTL_SECONDS));
        assertThat(renewed.isRenewable()).isTrue();

        VaultClientException root = failure(client(b -> b.clientToken(vault.rootToken())).auth().token().renewSelf(null));
        assertThat(root.getStatus()).isEqualTo(400);
        assertThat(root.getErrors()).containsExactly("lease is not renewable");

        VaultClientException write = failure(kv(vault.rootToken()).updateSecret(PATH, null, Map.of("A", "1")));
        assertThat(write.getStatus()).as("tests write with put(), not over HTTP").isEqualTo(405);
        assertThat(write.getErrors()).containsExactly("unsupported operation");
        assertThat(vault.count("POST", "/v1/auth/token/renew-self")).isEqualTo(2);
    }

    @Test
    void aPathWithoutVersionsAnUnknownMountAndADeletedLatestVersionAreNotFound() {
        VaultSecretsKV2 kv = kv(vault.rootToken());
        VaultClientException never = failure(kv.readSecret("keyhouse/never-written"));
        assertThat(never.getStatus()).isEqualTo(404);
        assertThat(never.getErrors()).as("404 {\"errors\": []}: the client keeps the body, no errors").isNull();
        assertThat(never.getBody()).isEqualTo("{\"errors\":[]}");

        VaultClientException unmounted = failure(client(b -> b.clientToken(vault.rootToken())).secrets()
                .kv2("nomount").readSecret(PATH));
        assertThat(unmounted.getStatus()).isEqualTo(404);
        assertThat(unmounted.getErrors()).singleElement().asString().startsWith("no handler for route");

        vault.put("secret", PATH, Map.of("A", "1"));
        vault.put("secret", PATH, Map.of("A", "2"));
        vault.deleteLatest("secret", PATH);
        VaultClientException deleted = failure(kv.readSecret(PATH));
        assertThat(deleted.getStatus()).isEqualTo(404);
        assertThat(deleted.getBody()).as("Vault answers a deleted version's metadata, without data")
                .contains("\"data\":null", "\"version\":2", "\"destroyed\":false").doesNotContain("\"A\"");
        assertThat(failure(kv.readSecret(PATH, 2)).getStatus()).isEqualTo(404);
        assertThat(failure(kv.readSecret(PATH, 3)).getStatus()).as("a version never written").isEqualTo(404);
        assertThat(get(kv.readSecret(PATH, 1)).getData()).as("an older version is still there").containsEntry("A", "1");

        VaultSecretsKV2ReadSecretMetadataResultData metadata = get(kv.readSecretMetadata(PATH));
        assertThat(metadata.getCurrentVersion()).isEqualTo(2);
        assertThat(metadata.getVersions().get("2").getDeletionTime()).isNotNull();
        assertThat(metadata.getVersions().get("1").getDeletionTime()).isNull();
    }

    @Test
    void aSealedVaultAnswersEveryCall503AndHealthTellsItApart() {
        vault.put("secret", PATH, Map.of("A", "1"));
        String roleId = "keyhouse-role";
        String secretId = vault.addAppRole(roleId);
        VaultClient client = client(b -> b.clientToken(vault.rootToken()));
        assertThat(get(client.sys().health().status())).isEqualTo(VaultHealthStatus.INITIALIZED_UNSEALED_ACTIVE);
        assertThat(get(client.sys().health().info()).isSealed()).isFalse();

        vault.seal(true);
        VaultClientException read = failure(client.secrets().kv2("secret").readSecret(PATH));
        assertThat(read.getStatus()).isEqualTo(503);
        assertThat(read.getErrors()).containsExactly("Vault is sealed");
        VaultClientException login = failure(client(b -> b.appRole(roleId, secretId)).secrets().kv2("secret")
                .readSecret(PATH));
        assertThat(login.getStatus()).isEqualTo(503);
        assertThat(login.getErrors()).containsExactly("Vault is sealed");
        assertThat(failure(client.auth().token().lookupSelf()).getStatus()).isEqualTo(503);
        assertThat(get(client.sys().health().status())).isEqualTo(VaultHealthStatus.SEALED);
        assertThat(vault.count("HEAD", "/v1/sys/health")).isEqualTo(2);

        vault.seal(false);
        assertThat(get(client.secrets().kv2("secret").readSecret(PATH)).getData()).containsEntry("A", "1");
        assertThat(get(client.sys().health().status())).isEqualTo(VaultHealthStatus.INITIALIZED_UNSEALED_ACTIVE);
    }

    @Test
    void anAppRoleLogsInOnceAndReadsWithTheTokenItWasIssued() {
        vault.put("secret", PATH, Map.of("JWT_SECRET_KEY", "from-vault"));
        String roleId = "5f1c2a8e-keyhouse";
        String secretId = vault.addAppRole(roleId);
        VaultSecretsKV2 kv = client(b -> b.appRole(roleId, secretId)).secrets().kv2("secret");

        assertThat(get(kv.readSecret(PATH)).getData()).containsExactlyEntriesOf(Map.of("JWT_SECRET_KEY", "from-vault"));
        assertThat(get(kv.readSecret(PATH)).getMetadata().getVersion()).isEqualTo(1);
        assertThat(vault.count("POST", "/v1/auth/approle/login")).as("the client caches the issued token").isEqualTo(1);
        assertThat(vault.requests()).extracting(VaultStandIn.Received::path, VaultStandIn.Received::token)
                .containsExactly(tuple("/v1/auth/approle/login", false),
                        tuple("/v1/secret/data/" + PATH, true),
                        tuple("/v1/secret/data/" + PATH, true));

        var auth = get(client(b -> b).auth().appRole().login(roleId, secretId));
        assertThat(auth.getClientToken()).startsWith("hvs.");
        assertThat(auth.getLeaseDuration()).isEqualTo(Duration.ofSeconds(VaultStandIn.TOKEN_TTL_SECONDS));
        assertThat(auth.isRenewable()).isTrue();
        assertThat(auth.getTokenPolicies()).contains("default");
        assertThat(get(kv(auth.getClientToken()).readSecret(PATH)).getData()).containsKey("JWT_SECRET_KEY");

        for (String[] pair : new String[][] {{roleId, vault.addAppRole("another-role")}, {"unknown-role", secretId},
                {roleId, "not-" + secretId}}) {
            VaultClientException refused = failure(client(b -> b.appRole(pair[0], pair[1])).secrets().kv2("secret")
                    .readSecret(PATH));
            assertThat(refused.getStatus()).isEqualTo(400);
            assertThat(refused.getErrors()).containsExactly("invalid role or secret ID");
        }
        assertThat(vault.requests().toString()).doesNotContain(secretId, auth.getClientToken());
    }

    @Test
    void aKubernetesServiceAccountLogsInAndReads(@TempDir Path dir) throws Exception {
        vault.put("secret", PATH, Map.of("CREDENTIAL_ENCRYPTION_KEY", "k8s-read"));
        String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a2V5aG91c2U6a2V5aG91c2UifQ.c2ln";
        vault.addKubernetesRole("keyhouse", jwt);
        Path tokenFile = Files.writeString(dir.resolve("token"), jwt);

        VaultSecretsKV2 kv = client(b -> b.kubernetes("keyhouse", tokenFile)).secrets().kv2("secret");
        assertThat(get(kv.readSecret(PATH)).getData()).containsExactlyEntriesOf(
                Map.of("CREDENTIAL_ENCRYPTION_KEY", "k8s-read"));
        assertThat(vault.count("POST", "/v1/auth/kubernetes/login")).isEqualTo(1);

        var auth = get(client(b -> b).auth().kubernetes().login("keyhouse", jwt));
        assertThat(auth.getMetadata().getRole()).isEqualTo("keyhouse");
        assertThat(auth.getMetadata().getServiceAccountName()).isEqualTo("keyhouse");
        assertThat(auth.isRenewable()).isTrue();

        Path otherToken = Files.writeString(dir.resolve("other"), jwt + "x");
        VaultClientException badJwt = failure(client(b -> b.kubernetes("keyhouse", otherToken)).secrets().kv2("secret")
                .readSecret(PATH));
        assertThat(badJwt.getStatus()).isEqualTo(403);
        assertThat(badJwt.getErrors()).containsExactly("permission denied");
        VaultClientException badRole = failure(client(b -> b.kubernetes("nobody", tokenFile)).secrets().kv2("secret")
                .readSecret(PATH));
        assertThat(badRole.getStatus()).isEqualTo(400);
        assertThat(badRole.getErrors()).containsExactly("invalid role name \"nobody\"");
        assertThat(vault.requests().toString()).doesNotContain(jwt, auth.getClientToken());
    }
}
