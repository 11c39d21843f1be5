package dev.keyhouse.auth;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

import dev.keyhouse.audit.Audit;
import dev.keyhouse.audit.Changes;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FieldType;
import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.NotFound;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

/**
 * What admins do to users and API tokens, shared by the page and the REST API, each change audited. Never leaves
 * Keyhouse without an enabled administrator.
 */
@ApplicationScoped
public class UserAdmin {

    private final ApiTokens tokens;
    private final Audit audit;

    public UserAdmin(ApiTokens tokens, Audit audit) {
        this.tokens = tokens;
        this.audit = audit;
    }

    public List<User> users() {
        return User.listAll(Sort.by("email"));
    }

    public List<ApiToken> tokens() {
        return ApiToken.listAll(Sort.by("createdAt").descending());
    }

    @Transactional
    public User add(String actor, String email, String password, String roleName) {
        FieldErrors errors = new FieldErrors();
        String address = email == null ? "" : email.strip();
        if (!FieldRules.clean(FieldType.TEXT, address).ok()) {
            errors.add("email", FieldRules.clean(FieldType.TEXT, address).problem());
        } else if (!address.matches("[^@\\s]{1,64}@[^@\\s]{1,189}")) {
            errors.add("email", "must be an e-mail address");
        } else if (User.findByEmail(address).isPresent()) {
            errors.add("email", "a user with this e-mail already exists");
        }
        String passwordProblem = Passwords.problem(password, address);
        if (passwordProblem != null) {
            errors.add("password", passwordProblem);
        }
        Role role = role(roleName, errors);
        errors.throwIfAny();
        User user = new User();
        user.email = address;
        user.passwordHash = Passwords.hash(password);
        user.role = role;
        user.persist();
        audit.record(Audit.Entry.of(actor, "user.add", "user", address).detail("role " + role.id()));
        return user;
    }

    /** @throws NotFound when there is no user {@code id} */
    @Transactional
    public void exists(long id) {
        User.<User>findByIdOptional(id).orElseThrow(() -> new NotFound("user " + id));
    }

    /** Disables or enables a user, or changes their role; null leaves that attribute as it is. */
    public User update(String actor, long id, Boolean disabled, String roleName) {
        return update(actor, id, disabled, roleName, null);
    }

    /**
     * Disables or enables a user, changes their role or sets their password; null leaves that attribute as it is.
     * Disabling, lowering the role and setting a password end every session of the user (see {@link Sessions});
     * their API tokens stop working while the user is disabled and act with no more than the user's role.
     */
    @Transactional
    public User update(String actor, long id, Boolean disabled, String roleName, String password) {
        User user = User.<User>findByIdOptional(id).orElseThrow(() -> new NotFound("user " + id));
        FieldErrors errors = new FieldErrors();
        Role role = roleName == null ? null : role(roleName, errors);
        if (password != null) {
            String passwordProblem = Passwords.problem(password, user.email);
            if (passwordProblem != null) {
                errors.add("password", passwordProblem);
            }
        }
        errors.throwIfAny();
        refuseNoChange(user, disabled, role, password);
        boolean endSessions = false;
        // lock the enabled administrators, so two admins disabling each other at once cannot leave none
        lastAdmin(user, disabled, role, true);
        if (disabled != null && disabled != user.disabled) {
            user.disabled = disabled;
            endSessions |= disabled;
            audit.record(Audit.Entry.of(actor, disabled ? "user.disable" : "user.enable", "user", user.email)
                    .detail(new Changes().field("state", state(!disabled), state(disabled)).changed()));
        }
        if (role != null && role != user.role) {
            audit.record(Audit.Entry.of(actor, "user.role", "user", user.email)
                    .detail(new Changes().field("role", user.role.id(), role.id()).changed()));
            endSessions |= user.role == Role.ADMIN;
            user.role = role;
        }
        if (password != null) {
            user.passwordHash = Passwords.hash(password);
            endSessions = true;
            audit.record(Audit.Entry.of(actor, "user.password", "user", user.email)
                    .detail("password set; every session of this user ended"));
        }
        if (endSessions) {
            Sessions.endAll(user.id);
        }
        user.updatedAt = Instant.now();
        return user;
    }

    /**
     * Refuses, before anything is asked or changed, a change of user {@code id} that changes nothing: disabling a
     * disabled user, enabling an enabled one, giving the role they have (issue 20, truth 2, point 3).
     *
     * @throws Conflict (409) saying what the user already is
     * @throws NotFound when there is no such user
     */
    @Transactional
    public void refuseNoChange(long id, Boolean disabled, String roleName) {
        refuseNoChange(existing(id), disabled, askedRole(roleName), null);
    }

    private static User existing(long id) {
        return User.<User>findByIdOptional(id).orElseThrow(() -> new NotFound("user " + id));
    }

    /** The role a step asks for, or null when none (or one that is not a role: the change itself names that). */
    private static Role askedRole(String roleName) {
        return roleName == null ? null : Role.parse(roleName.strip().toLowerCase(Locale.ROOT)).orElse(null);
    }

    private static void refuseNoChange(User user, Boolean disabled, Role role, String password) {
        boolean asked = disabled != null || role != null || password != null;
        boolean changes = password != null || (disabled != null && disabled != user.disabled)
                || (role != null && role != user.role);
        if (asked && !changes) {
            throw dev.keyhouse.web.AlreadySo.conflict("User " + user.email, disabled != null ? state(disabled)
                    + (role != null ? " and " + (role == Role.ADMIN ? "an admin" : "a viewer") : "")
                    : role == Role.ADMIN ? "an admin" : "a viewer");
        }
    }

    /** Why disabling or demoting the last enabled administrator is refused ({@link #refuseLastAdmin}). */
    public static final String LAST_ADMIN = "this is the last enabled administrator; add another administrator first";

    /**
     * Refuses, before anything is asked or changed, disabling ({@code disabled} true) or demoting ({@code roleName}
     * other than admin) the last enabled administrator: the page's confirmation step is not offered for a change that
     * would be refused. Reads without a lock; {@link #update} checks again under its lock.
     *
     * @throws FieldErrors naming {@code disabled} or {@code role}, message {@link #LAST_ADMIN}
     * @throws NotFound when there is no such user
     */
    @Transactional
    public void refuseLastAdmin(long id, Boolean disabled, String roleName) {
        lastAdmin(existing(id), disabled, askedRole(roleName), false);
    }

    /** Refuses a change that leaves no enabled administrator, the enabled administrators locked when {@code lock}. */
    private static void lastAdmin(User user, Boolean disabled, Role role, boolean lock) {
        boolean losesAdmin = user.role == Role.ADMIN && !user.disabled
                && (Boolean.TRUE.equals(disabled) || (role != null && role != Role.ADMIN));
        if (!losesAdmin) {
            return;
        }
        var admins = User.find("role = ?1 and disabled = false", Role.ADMIN);
        if ((lock ? admins.withLock(LockModeType.PESSIMISTIC_WRITE) : admins).list().size() <= 1) {
            new FieldErrors().add(Boolean.TRUE.equals(disabled) ? "disabled" : "role", LAST_ADMIN).throwIfAny();
        }
    }

    @Transactional
    public ApiTokens.Created createToken(String actor, Long actorUserId, String name, String roleName) {
        FieldErrors errors = new FieldErrors();
        String label = name == null ? "" : name.strip();
        if (label.isEmpty() || label.length() > 100 || label.chars().anyMatch(Character::isISOControl)) {
            errors.add("name", "must be 1 to 100 characters without control characters");
        }
        Role role = role(roleName, errors);
        errors.throwIfAny();
        ApiTokens.Created created = tokens.create(label, role, actorUserId);
        audit.record(Audit.Entry.of(actor, "token.create", "token", label)
                .detail("role " + role.id() + ", " + created.token().hint + "…"));
        return created;
    }

    @Transactional
    public ApiToken revokeToken(String actor, long id) {
        ApiToken token = refuseRevoked(id);
        token.revokedAt = Instant.now();
        audit.record(Audit.Entry.of(actor, "token.revoke", "token", token.name));
        return token;
    }

    /**
     * The API token {@code id}, not revoked yet.
     *
     * @throws Conflict (409) when it is already revoked: nothing to ask or change
     * @throws NotFound when there is no such token
     */
    @Transactional
    public ApiToken refuseRevoked(long id) {
        ApiToken token = ApiToken.<ApiToken>findByIdOptional(id).orElseThrow(() -> new NotFound("API token " + id));
        if (token.isRevoked()) {
            throw dev.keyhouse.web.AlreadySo.conflict("API token " + token.name, "revoked");
        }
        return token;
    }

    private static Role role(String name, FieldErrors errors) {
        Role role = name == null ? null : Role.parse(name.strip().toLowerCase(Locale.ROOT)).orElse(null);
        if (role == null) {
            errors.add("role", "must be admin or viewer");
        }
        return role;
    }

    private static String state(boolean disabled) {
        return disabled ? "disabled" : "enabled";
    }
}
