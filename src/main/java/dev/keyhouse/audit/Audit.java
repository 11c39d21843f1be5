package dev.keyhouse.audit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/** Records audit events in the caller's transaction, so an action and its record commit or fail together. */
@ApplicationScoped
public class Audit {

    private static final Logger LOG = Logger.getLogger(Audit.class);

    /** An action to record; secrets appear only as fingerprints. */
    public record Entry(String actor, String action, String kind, String target, String detail,
            String oldFingerprint, String newFingerprint) {

        public static Entry of(String actor, String action, String kind, String target) {
            return new Entry(actor, action, kind, target, null, null, null);
        }

        public Entry detail(String value) {
            return new Entry(actor, action, kind, target, value, oldFingerprint, newFingerprint);
        }

        public Entry fingerprints(String oldValue, String newValue) {
            return new Entry(actor, action, kind, target, detail, oldValue, newValue);
        }
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void record(Entry entry) {
        AuditEvent event = new AuditEvent();
        event.actor = truncate(entry.actor(), 300);
        event.action = entry.action();
        event.kind = entry.kind();
        event.target = truncate(entry.target(), 300);
        event.detail = truncate(entry.detail(), 2000);
        event.oldFingerprint = entry.oldFingerprint();
        event.newFingerprint = entry.newFingerprint();
        event.persist();
        LOG.infof("audit: %s %s %s%s", event.actor, event.action, event.kind,
                event.target == null ? "" : " " + event.target);
    }

    private static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
