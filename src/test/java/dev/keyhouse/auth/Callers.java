package dev.keyhouse.auth;

import java.util.List;
import java.util.UUID;

import dev.keyhouse.auth.Caller.Kind;

/**
 * The callers every security test fires as: anonymous, a viewer and an admin (each by session JWT and by API
 * token), and one caller for each way a credential must be refused. Every refused credential speaks for an
 * administrator, so accepting any of them would show up as access granted.
 */
public final class Callers {

    /** Column names, also used by focused tests to pick one caller. */
    public static final String EXPIRED = "expired";
    public static final String TAMPERED = "tampered";
    public static final String ALG_NONE = "alg-none";
    public static final String UNKNOWN_KEY = "unknown-key";
    public static final String WRONG_ISSUER = "wrong-iss";
    public static final String DISABLED_USER = "disabled";
    public static final String REVOKED_TOKEN = "revoked";
    /** Correctly signed, but issued an hour from now. */
    public static final String FUTURE_IAT = "future-iat";
    /** Correctly signed, valid for a hundred years: longer than JWT_EXPIRE_MINUTES allows. */
    public static final String HUNDRED_YEARS = "100-years";
    /** Correctly signed, without {@code iat}. */
    public static final String NO_IAT = "no-iat";
    /** A session the app issued, ended on the server since (here by a password change). */
    public static final String ENDED_SESSION = "ended";

    private final List<Caller> all;

    private Callers(List<Caller> all) {
        this.all = all;
    }

    public List<Caller> all() {
        return all;
    }

    public Caller named(String name) {
        return all.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no caller " + name));
    }

    public List<Caller> rejected() {
        return all.stream().filter(c -> c.kind() == Kind.REJECTED).toList();
    }

    /** {@link #create(UserAdmin, SessionTokens, SigningKeys)} with the running application's beans. */
    public static Callers create() {
        io.quarkus.arc.ArcContainer arc = io.quarkus.arc.Arc.container();
        return create(arc.instance(UserAdmin.class).get(), arc.instance(SessionTokens.class).get(),
                arc.instance(SigningKeys.class).get());
    }

    /**
     * The users behind the callers, made once per database and reused: each is made with a bcrypt hash (a quarter
     * of a second or more), and the security tests create callers dozens of times. Ids and e-mails, checked against
     * the database on every reuse.
     */
    private record Users(String run, String password, long viewer, long admin, long leaver, long reset) {

        /** The rows again, fresh (current session generation), or empty when any is gone or changed. */
        java.util.Optional<List<User>> reload() {
            List<User> rows = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> java.util.stream.Stream
                    .of(viewer, admin, leaver, reset).map(id -> User.<User>findById(id)).toList());
            boolean intact = rows.stream().allMatch(java.util.Objects::nonNull)
                    && rows.get(0).email.equals("viewer-" + run + "@keyhouse.test") && rows.get(0).role == Role.VIEWER
                    && !rows.get(0).disabled
                    && rows.get(1).email.equals("admin-" + run + "@keyhouse.test") && rows.get(1).role == Role.ADMIN
                    && !rows.get(1).disabled
                    && rows.get(2).email.equals("leaver-" + run + "@keyhouse.test") && rows.get(2).role == Role.ADMIN
                    && rows.get(3).email.equals("reset-" + run + "@keyhouse.test") && rows.get(3).role == Role.ADMIN
                    && !rows.get(3).disabled;
            return intact ? java.util.Optional.of(rows) : java.util.Optional.empty();
        }
    }

    private static final String ACTOR = "security-test";
    private static Users users;

    /** The callers' users: {@link #users} when still intact in this database, else four made now. */
    private static synchronized List<User> users(UserAdmin admin) {
        java.util.Optional<List<User>> kept = users == null ? java.util.Optional.empty() : users.reload();
        if (kept.isPresent()) {
            return kept.get();
        }
        String run = UUID.randomUUID().toString().substring(0, 8);
        String password = "security-test-password-" + run;
        List<User> made = List.of(
                admin.add(ACTOR, "viewer-" + run + "@keyhouse.test", password, Role.VIEWER_NAME),
                admin.add(ACTOR, "admin-" + run + "@keyhouse.test", password, Role.ADMIN_NAME),
                admin.add(ACTOR, "leaver-" + run + "@keyhouse.test", password, Role.ADMIN_NAME),
                admin.add(ACTOR, "reset-" + run + "@keyhouse.test", password, Role.ADMIN_NAME));
        users = new Users(run, password, made.get(0).id, made.get(1).id, made.get(2).id, made.get(3).id);
        return made;
    }

    /**
     * The callers, their sessions and tokens issued now: the users behind them are made once per database (see
     * {@link Users}), every credential is new, so what one test did to its callers (signing out, revoking) cannot
     * reach another's. The disabled caller's session is issued while its user is enabled, then the user is
     * disabled; the ended caller's session is ended by a password change, as before.
     */
    public static Callers create(UserAdmin admin, SessionTokens sessions, SigningKeys keys) {
        List<User> rows = users(admin);
        User viewer = rows.get(0);
        User secondAdmin = rows.get(1);
        String password = users.password();
        String actor = ACTOR;
        // enabled first, if an earlier run left it disabled (enabling an enabled user is a 409 that changes nothing)
        User leaver = rows.get(2).disabled ? admin.update(actor, rows.get(2).id, false, null) : rows.get(2);
        String leaverSession = sessions.issue(leaver);
        admin.update(actor, leaver.id, true, null);
        User reset = rows.get(3);
        String endedSession = sessions.issue(reset);
        admin.update(actor, reset.id, null, null, password + "-changed");

        String token = UUID.randomUUID().toString().substring(0, 8);
        String viewerToken = admin.createToken(actor, viewer.id, "viewer-" + token, Role.VIEWER_NAME).value();
        String adminToken = admin.createToken(actor, secondAdmin.id, "admin-" + token, Role.ADMIN_NAME).value();
        ApiTokens.Created revoked = admin.createToken(actor, secondAdmin.id, "revoked-" + token, Role.ADMIN_NAME);
        admin.revokeToken(actor, revoked.token().id);

        String viewerSession = sessions.issue(viewer);
        return new Callers(List.of(
                Caller.anonymous(),
                new Caller("viewer", Kind.VIEWER, viewerSession),
                new Caller("viewer-tok", Kind.VIEWER, viewerToken),
                new Caller("admin", Kind.ADMIN, sessions.issue(secondAdmin)),
                new Caller("admin-tok", Kind.ADMIN, adminToken),
                new Caller(EXPIRED, Kind.REJECTED, ForgedTokens.expired(secondAdmin, keys)),
                new Caller(TAMPERED, Kind.REJECTED, ForgedTokens.tampered(viewerSession, secondAdmin)),
                new Caller(ALG_NONE, Kind.REJECTED, ForgedTokens.unsigned(secondAdmin, keys)),
                new Caller(UNKNOWN_KEY, Kind.REJECTED, ForgedTokens.unknownKey(secondAdmin, keys)),
                new Caller(WRONG_ISSUER, Kind.REJECTED, ForgedTokens.wrongIssuer(secondAdmin, keys)),
                new Caller(FUTURE_IAT, Kind.REJECTED, ForgedTokens.issuedInTheFuture(secondAdmin, keys)),
                new Caller(HUNDRED_YEARS, Kind.REJECTED, ForgedTokens.hundredYears(secondAdmin, keys)),
                new Caller(NO_IAT, Kind.REJECTED, ForgedTokens.withoutIssuedAt(secondAdmin, keys)),
                new Caller(DISABLED_USER, Kind.REJECTED, leaverSession),
                new Caller(ENDED_SESSION, Kind.REJECTED, endedSession),
                new Caller(REVOKED_TOKEN, Kind.REJECTED, revoked.value())));
    }
}
