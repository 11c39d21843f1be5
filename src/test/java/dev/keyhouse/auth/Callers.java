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

    /** Creates the users and tokens behind the callers, each under fresh names so test classes do not collide. */
    public static Callers create(UserAdmin admin, SessionTokens sessions, SigningKeys keys) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String actor = "security-test";
        String password = "security-test-password-" + run;
        User viewer = admin.add(actor, "viewer-" + run + "@keyhouse.test", password, Role.VIEWER_NAME);
        User secondAdmin = admin.add(actor, "admin-" + run + "@keyhouse.test", password, Role.ADMIN_NAME);
        User leaver = admin.add(actor, "leaver-" + run + "@keyhouse.test", password, Role.ADMIN_NAME);
        String leaverSession = sessions.issue(leaver);
        admin.update(actor, leaver.id, true, null);
        User reset = admin.add(actor, "reset-" + run + "@keyhouse.test", password, Role.ADMIN_NAME);
        String endedSession = sessions.issue(reset);
        admin.update(actor, reset.id, null, null, password + "-changed");

        String viewerToken = admin.createToken(actor, viewer.id, "viewer-" + run, Role.VIEWER_NAME).value();
        String adminToken = admin.createToken(actor, secondAdmin.id, "admin-" + run, Role.ADMIN_NAME).value();
        ApiTokens.Created revoked = admin.createToken(actor, secondAdmin.id, "revoked-" + run, Role.ADMIN_NAME);
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
