package dev.keyhouse.audit;

import java.util.ArrayList;
import java.util.List;

import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;

/** Reading the audit log: newest first, paged, filtered by actor and kind. */
@ApplicationScoped
public class AuditLog {

    public static final int PAGE_SIZE = 50;

    /** One page of events and how many match in all. */
    public record Slice(List<AuditEvent> events, int page, int pageSize, long total) {
        public int pages() {
            return (int) Math.max(1, (total + pageSize - 1) / pageSize);
        }

        public boolean hasNext() {
            return page + 1 < pages();
        }
    }

    public Slice find(String actor, String kind, int page) {
        List<String> conditions = new ArrayList<>();
        Parameters parameters = new Parameters();
        if (actor != null && !actor.isBlank()) {
            conditions.add("actor = :actor");
            parameters.and("actor", actor.strip());
        }
        if (kind != null && !kind.isBlank()) {
            conditions.add("kind = :kind");
            parameters.and("kind", kind.strip());
        }
        String where = String.join(" and ", conditions);
        Sort newestFirst = Sort.by("at").descending().and("id", Sort.Direction.Descending);
        PanacheQuery<AuditEvent> query = where.isEmpty() ? AuditEvent.findAll(newestFirst)
                : AuditEvent.find(where, newestFirst, parameters);
        long total = query.count();
        // a page beyond the last shows the last (it said "page 51 of 2", with nothing on it)
        int last = (int) Math.max(0, (total - 1) / PAGE_SIZE);
        int index = Math.min(Math.max(0, page), last);
        return new Slice(query.page(Page.of(index, PAGE_SIZE)).list(), index, PAGE_SIZE, total);
    }

    /** The kinds present, for the filter's choices. */
    public List<String> kinds() {
        return AuditEvent.getEntityManager()
                .createQuery("select distinct e.kind from AuditEvent e order by e.kind", String.class).getResultList();
    }
}
