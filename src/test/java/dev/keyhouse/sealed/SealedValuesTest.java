package dev.keyhouse.sealed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhouse.Profiles;
import dev.keyhouse.crypto.Ciphertext;
import dev.keyhouse.crypto.CredentialCipher;
import dev.keyhouse.crypto.KeyRing;
import dev.keyhouse.crypto.Opened;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.OptimisticLockException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SealedValues and the fingerprint key against the real PostgreSQL of the test configuration. */
@QuarkusTest
@TestProfile(Profiles.ChecksCalledByTests.class)
class SealedValuesTest {

    private static final String PURPOSE = "test/sealed-values/api_key";
    private static final String SECRET = "sk-sealed-values-test-0123456789";

    @Inject
    SealedValues sealedValues;

    @Inject
    SecretFingerprints fingerprints;

    @Inject
    CredentialCipher cipher;

    @Test
    void sealedValueIsStoredAsCiphertextAndOpens() {
        SealedValue sealed = sealedValues.seal(PURPOSE, SECRET);

        SealedValue stored = stored(sealed.id);
        assertThat(stored.purpose).isEqualTo(PURPOSE);
        assertThat(stored.keyId).isEqualTo(cipher.keyRing().currentKeyId());
        assertThat(CredentialCipher.keyIdOf(stored.ciphertext)).hasValue(stored.keyId);
        assertThat(new String(stored.ciphertext, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
        assertThat(stored.toString()).doesNotContain(SECRET);
        assertThat(sealedValues.open(stored)).isEqualTo(new Opened.Plaintext(SECRET));
    }

    @Test
    void resealKeepsRowAndPurposeAndBumpsVersion() {
        SealedValue sealed = sealedValues.seal(PURPOSE, SECRET);
        long version = stored(sealed.id).version;

        SealedValue resealed = sealedValues.reseal(stored(sealed.id), "sk-new");

        SealedValue stored = stored(sealed.id);
        assertThat(resealed.id).isEqualTo(sealed.id);
        assertThat(stored.purpose).isEqualTo(PURPOSE);
        assertThat(stored.version).isEqualTo(version + 1);
        assertThat(stored.updatedAt).isAfterOrEqualTo(stored.createdAt);
        assertThat(stored.ciphertext).isNotEqualTo(sealed.ciphertext);
        assertThat(sealedValues.open(stored)).isEqualTo(new Opened.Plaintext("sk-new"));
    }

    @Test
    void resealOfAStaleCopyFailsInsteadOfOverwriting() {
        SealedValue stale = sealedValues.seal(PURPOSE, SECRET);
        sealedValues.reseal(stored(stale.id), "sk-saved-first");

        assertThatThrownBy(() -> sealedValues.reseal(stale, "sk-saved-second"))
                .isInstanceOf(OptimisticLockException.class);
        assertThat(sealedValues.open(stored(stale.id))).isEqualTo(new Opened.Plaintext("sk-saved-first"));
    }

    @Test
    void valueSealedUnderPreviousKeyOpensAndIsRewrittenUnderCurrentKey() {
        CredentialCipher previous = new CredentialCipher(KeyRing.of(Profiles.PREVIOUS_KEY, List.of()));
        SealedValue old = sealedValues.seal(PURPOSE, "placeholder");
        Ciphertext underPrevious = previous.seal(old.id, PURPOSE, SECRET);
        QuarkusTransaction.requiringNew().run(() -> {
            SealedValue row = SealedValue.findById(old.id);
            row.keyId = underPrevious.keyId();
            row.ciphertext = underPrevious.bytes();
        });

        SealedValue stored = stored(old.id);
        assertThat(cipher.needsRewrite(stored.keyId)).isTrue();
        assertThat(sealedValues.open(stored)).isEqualTo(new Opened.Plaintext(SECRET));

        SealedValue rewritten = sealedValues.reseal(stored, SECRET);
        assertThat(cipher.isCurrent(rewritten.keyId)).isTrue();
        assertThat(sealedValues.open(stored(old.id))).isEqualTo(new Opened.Plaintext(SECRET));
    }

    @Test
    void ciphertextCopiedOntoAnotherRowDoesNotAuthenticate() {
        SealedValue source = sealedValues.seal(PURPOSE, SECRET);
        SealedValue target = sealedValues.seal(PURPOSE, "other");
        QuarkusTransaction.requiringNew().run(() -> {
            SealedValue row = SealedValue.findById(target.id);
            row.ciphertext = source.ciphertext;
        });

        Opened opened = sealedValues.open(stored(target.id));

        assertThat(opened).isEqualTo(new Opened.Unreadable(source.keyId, Opened.Reason.DOES_NOT_AUTHENTICATE));
    }

    @Test
    void deleteRemovesTheRow() {
        SealedValue sealed = sealedValues.seal(PURPOSE, SECRET);

        sealedValues.delete(sealed);

        assertThat(QuarkusTransaction.requiringNew().call(() -> sealedValues.find(sealed.id))).isEmpty();
    }

    @Test
    void fingerprintsAreStableKeyedAndTheKeyIsSealed() {
        String first = fingerprints.of(SECRET);

        assertThat(first).matches("[0-9a-f]{8}").isEqualTo(fingerprints.of(SECRET));
        assertThat(fingerprints.of(SECRET + "x")).isNotEqualTo(first);
        SealedValue keyRow = readableKeyRow();
        assertThat(keyRow.purpose).isEqualTo(SecretFingerprints.PURPOSE);
        assertThat(keyRow.keyId).isEqualTo(cipher.keyRing().currentKeyId());
        Opened opened = sealedValues.open(keyRow);
        assertThat(opened).isInstanceOfSatisfying(Opened.Plaintext.class, key -> {
            assertThat(Base64.getDecoder().decode(key.value())).hasSize(32);
            assertThat(new String(keyRow.ciphertext, StandardCharsets.ISO_8859_1)).doesNotContain(key.value());
        });
    }

    @Test
    void replicasStartingTogetherConvergeOnOneFingerprintKey() throws Exception {
        QuarkusTransaction.requiringNew().run(() -> SealedValue.delete("purpose", SecretFingerprints.PURPOSE));
        int replicas = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return QuarkusTransaction.requiringNew().call(fingerprints::loadOrCreate).of(SECRET);
                }));
            }
            start.countDown();
            List<String> seen = new ArrayList<>();
            for (Future<String> result : results) {
                seen.add(result.get());
            }

            assertThat(seen).hasSize(replicas).containsOnly(seen.get(0));
            assertThat(SealedValue.count("purpose", SecretFingerprints.PURPOSE)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anUnreadableFingerprintKeyIsLeftAloneAndANewGenerationIsUsed() {
        QuarkusTransaction.requiringNew().run(() -> SealedValue.delete("purpose", SecretFingerprints.PURPOSE));
        QuarkusTransaction.requiringNew().call(fingerprints::loadOrCreate);
        UUID first = SecretFingerprints.generation(1);
        KeyRing foreign = KeyRing.of(KeyRing.generateKey(), List.of());
        Ciphertext underForeign = new CredentialCipher(foreign)
                .seal(first, SecretFingerprints.PURPOSE, Base64.getEncoder().encodeToString(new byte[32]));
        replaceKeyRow(first, underForeign.keyId(), underForeign.bytes());

        String fingerprint = QuarkusTransaction.requiringNew().call(fingerprints::loadOrCreate).of(SECRET);

        assertThat(fingerprint).matches("[0-9a-f]{8}");
        SealedValue untouched = stored(first);
        assertThat(untouched.keyId).isEqualTo(underForeign.keyId());
        assertThat(untouched.ciphertext).isEqualTo(underForeign.bytes());
        assertThat(readableKeyRow().id).isEqualTo(SecretFingerprints.generation(2));
        assertThat(QuarkusTransaction.requiringNew().call(fingerprints::loadOrCreate).of(SECRET))
                .as("the new generation is used from now on").isEqualTo(fingerprint);
    }

    /** The fingerprint key row this application can read (the newest such generation). */
    private SealedValue readableKeyRow() {
        return QuarkusTransaction.requiringNew().call(() -> SealedValue.<SealedValue>list("purpose = ?1 order by id desc",
                SecretFingerprints.PURPOSE).stream()
                .filter(row -> sealedValues.open(row) instanceof Opened.Plaintext).findFirst().orElseThrow());
    }

    /** The row as committed; the test's request-scoped session would otherwise return cached entities. */
    private SealedValue stored(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> sealedValues.find(id).orElseThrow());
    }

    private static void replaceKeyRow(UUID id, long keyId, byte[] ciphertext) {
        QuarkusTransaction.requiringNew().run(() -> {
            SealedValue row = SealedValue.findById(id);
            row.keyId = keyId;
            row.ciphertext = ciphertext;
        });
    }
}
