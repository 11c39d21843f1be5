package dev.keyhouse.checks;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The last check of a kind's stored key as the settings pages show it (template {@code tags/lastCheck.html}):
 * "checked 3 min ago: ok", "no credit since 10:42 UTC", "not checked yet". Times are shown in UTC, with the exact
 * instant in the {@code <time datetime>} attribute and its title.
 *
 * @param state {@code none} (not checked yet), {@code ok}, {@code blocking} (a result that would refuse a save:
 *        invalid key, no credit, forbidden) or {@code warning} (any other result)
 * @param result the result in words, e.g. "no credit"; null when not checked
 * @param age how long ago the check ran, e.g. "3 min ago"
 * @param checkedAt the check's instant, ISO-8601
 * @param since the time the result began, e.g. "10:42 UTC" or "29 Nov 10:42 UTC" on an earlier day
 * @param sinceAt that instant, ISO-8601
 * @param detail the HTTP status and provider code, e.g. "HTTP 429, insufficient_quota"; null when neither
 * @param meaning what the result means ({@link CheckResult#meaning}), e.g. "the provider answered in a way Keyhouse
 *        does not recognise …"; null when not checked
 */
public record CheckCard(String state, String result, String age, String checkedAt, String since, String sinceAt,
        String detail, String meaning) {

    /** No check stands for the stored key. */
    public static final CheckCard NOT_CHECKED = new CheckCard("none", null, null, null, null, null, null, null);

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY_AND_CLOCK = DateTimeFormatter.ofPattern("d MMM HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** The card of {@code check} at {@code now}; {@link #NOT_CHECKED} for null. */
    public static CheckCard of(LastCheck check, Instant now) {
        if (check == null) {
            return NOT_CHECKED;
        }
        String state = check.result() == CheckResult.OK ? "ok" : check.result().blocksSave() ? "blocking" : "warning";
        String detail = check.status() == null && check.code() == null ? null
                : (check.status() == null ? "" : "HTTP " + check.status() + (check.code() == null ? "" : ", "))
                        + (check.code() == null ? "" : check.code());
        return new CheckCard(state, check.result().json().replace('_', ' '), age(check.checkedAt(), now),
                check.checkedAt().toString(), clock(check.since(), now), check.since().toString(), detail,
                check.result().meaning());
    }

    /** Whether a check stands for the stored key. */
    public boolean checked() {
        return result != null;
    }

    /** "just now", "45 s ago", "3 min ago", "2 h ago", "4 d ago". */
    static String age(Instant then, Instant now) {
        long seconds = Math.max(0, Duration.between(then, now).getSeconds());
        if (seconds < 5) {
            return "just now";
        }
        if (seconds < 60) {
            return seconds + " s ago";
        }
        if (seconds < 3600) {
            return seconds / 60 + " min ago";
        }
        if (seconds < 86400) {
            return seconds / 3600 + " h ago";
        }
        return seconds / 86400 + " d ago";
    }

    /** "10:42 UTC" on the same UTC day as {@code now}, else "29 Nov 10:42 UTC". */
    static String clock(Instant at, Instant now) {
        boolean today = at.atZone(ZoneOffset.UTC).toLocalDate().equals(now.atZone(ZoneOffset.UTC).toLocalDate());
        return (today ? CLOCK : DAY_AND_CLOCK).format(at) + " UTC";
    }
}
