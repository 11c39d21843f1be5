package dev.keyhouse.runtimes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.UnaryOperator;

import dev.keyhouse.config.LogMask;
import dev.keyhouse.crypto.Opened;
import dev.keyhouse.sealed.SealedValue;
import dev.keyhouse.sealed.SealedValues;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * Every secret Keyhouse holds, as one mask for text that came from outside (a driver's error, a command's output, a
 * webhook's answer body) before it is stored, logged or rendered: the configured secret variables
 * ({@link LogMask#configuredSecrets()}: JWT keys, encryption keys, the bootstrap admin password, the runtime-config
 * token, …), every sealed value (each provider kind's and fallback entry's key and secret fields in their current and
 * stored versions, each shared secret's current and stored values, the runtime targets' secrets), and the
 * shape-based redactions of {@link LogMask#maskShapes} (JWTs, {@code kh_} tokens, bearer/basic, {@code password=}…).
 *
 * <p>The sealed values are opened only when a mask is asked for (a failure, which is rare; a successful restart pays
 * nothing), and the mask built from them is kept until {@code sealed_values} changes (its row count or newest
 * {@code updated_at}): a burst of failures opens them once, so concurrent restarts are not starved of CPU. The kept
 * mask holds the values' encoded forms in memory, as runtime-config's served answers hold the values. No value is
 * ever logged; an unreadable sealed value is skipped (it cannot be echoed either).
 */
@ApplicationScoped
public class HeldSecrets {

    private final SealedValues sealedValues;
    private final Object building = new Object();
    private volatile Built built;

    /** A mask over the held values and the {@code sealed_values} state it was built from. */
    private record Built(String stamp, UnaryOperator<String> mask, UnaryOperator<String> exact) {
    }

    public HeldSecrets(SealedValues sealedValues) {
        this.sealedValues = sealedValues;
    }

    /**
     * A mask over {@code extra} (values the caller holds that are not stored, such as a runtime's resolved
     * environment), then every held secret, then the shape-based redactions; null stays null.
     */
    @Transactional
    public UnaryOperator<String> masker(Collection<String> extra) {
        UnaryOperator<String> own = SecretMask.masker(extra);
        UnaryOperator<String> held = held().mask();
        return text -> text == null ? null : LogMask.maskShapes(held.apply(own.apply(text)));
    }

    /**
     * The mask for a runtime's name (breaker b9 H2): every held secret in its exact forms, then the shape-based
     * redactions — not the fragment pass, which would garble a name sharing a 12-letter run with some key (a name is
     * short text a runtime holding the token chose; refused callers' names are shown to admins only). Null stays null.
     */
    @Transactional
    public UnaryOperator<String> nameMasker() {
        UnaryOperator<String> exact = held().exact();
        return text -> text == null ? null : LogMask.maskShapes(exact.apply(text));
    }

    private Built held() {
        String stamp = String.valueOf(SealedValue.getEntityManager().createNativeQuery(
                "SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM sealed_values").getSingleResult());
        Built now = built;
        if (now != null && now.stamp().equals(stamp)) {
            return now;
        }
        synchronized (building) {
            now = built;
            if (now != null && now.stamp().equals(stamp)) {
                return now;
            }
            List<String> values = new ArrayList<>(LogMask.configuredSecrets());
            for (SealedValue sealed : SealedValue.<SealedValue>listAll()) {
                if (sealedValues.open(sealed) instanceof Opened.Plaintext plaintext) {
                    values.add(plaintext.value());
                }
            }
            built = new Built(stamp, SecretMask.masker(values), SecretMask.exactMasker(values));
            return built;
        }
    }
}
