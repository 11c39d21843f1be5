package dev.keyhouse.runtimes;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.keyhouse.settings.RuntimeConfigServed;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

/**
 * Which settings version and LLM key each runtime was last served, from the runtime-config endpoint's
 * {@code X-Keyhouse-Runtime} header. One upsert per fetch: the whole fleet fetches at once after a restart.
 */
@ApplicationScoped
public class RuntimeAcks {

    private static final Logger LOG = Logger.getLogger(RuntimeAcks.class);

    /** A runtime's last fetch. */
    public record Ack(String runtime, long version, String fingerprint, Instant at) {
    }

    private final EntityManager em;

    public RuntimeAcks(EntityManager em) {
        this.em = em;
    }

    /** Records a fetch; a failure to record is logged, never the runtime's problem. */
    void onServed(@Observes RuntimeConfigServed served) {
        try {
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                            "INSERT INTO runtime_acks (runtime, settings_version, llm_fingerprint, acked_at)"
                                    + " VALUES (:runtime, :version, :fingerprint, now())"
                                    + " ON CONFLICT (runtime) DO UPDATE SET settings_version = excluded.settings_version,"
                                    + " llm_fingerprint = excluded.llm_fingerprint, acked_at = excluded.acked_at")
                    .setParameter("runtime", served.runtime()).setParameter("version", served.version())
                    .setParameter("fingerprint", served.llmKeyFingerprint()).executeUpdate());
        } catch (RuntimeException e) {
            LOG.warnf("could not record that runtime %s fetched settings version %d: %s", served.runtime(),
                    served.version(), e.getClass().getSimpleName());
        }
    }

    /** Acks recorded at or after {@code since}. */
    @SuppressWarnings("unchecked")
    List<Ack> since(Instant since) {
        List<Object[]> rows = em.createNativeQuery("SELECT runtime, settings_version, llm_fingerprint, acked_at"
                        + " FROM runtime_acks WHERE acked_at >= :since ORDER BY acked_at")
                .setParameter("since", Timestamp.from(since)).getResultList();
        List<Ack> acks = new ArrayList<>();
        for (Object[] row : rows) {
            acks.add(new Ack((String) row[0], ((Number) row[1]).longValue(), (String) row[2], instant(row[3])));
        }
        return acks;
    }

    /**
     * Whether an ack is from a result's runtime: the same name, or for a kubernetes workload
     * ({@code Deployment/voice}) one of its pods ({@code voice-5d8f7c-x2x9q}).
     */
    static boolean matches(String resultRuntime, String ackRuntime) {
        if (resultRuntime == null) {
            return false;
        }
        if (resultRuntime.equals(ackRuntime)) {
            return true;
        }
        int slash = resultRuntime.lastIndexOf('/');
        return slash >= 0 && ackRuntime.startsWith(resultRuntime.substring(slash + 1) + "-");
    }

    /**
     * {@link #matches} as an SQL condition on two columns, {@code resultColumn} a result's runtime and
     * {@code ackColumn} a reporting or fetching runtime's name (PostgreSQL: {@code starts_with}, POSIX
     * {@code substring}).
     */
    static String matchesSql(String resultColumn, String ackColumn) {
        return "(" + resultColumn + " = " + ackColumn + " OR (strpos(" + resultColumn + ", '/') > 0 AND starts_with("
                + ackColumn + ", substring(" + resultColumn + " from '[^/]*$') || '-')))";
    }

    static Instant instant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof Timestamp timestamp) {
            return timestamp.toInstant();
        }
        if (value instanceof java.time.OffsetDateTime offset) {
            return offset.toInstant();
        }
        throw new IllegalStateException("unexpected timestamp type " + value.getClass().getName());
    }
}
