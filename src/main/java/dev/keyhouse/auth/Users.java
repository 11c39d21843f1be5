package dev.keyhouse.auth;

import java.time.Instant;
import java.util.List;

import dev.keyhouse.web.FieldErrors;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/** Adding, disabling and re-roling users; never leaves Keyhouse without an enabled administrator. */
@ApplicationScoped
public class Users {

    public List<User> list() {
        return User.listAll(Sort.by("email"));
    }

    @Transactional
    public User add(String email, String password, Role role) {
        FieldErrors errors = new FieldErrors();
        String address = email == null ? "" : email.strip();
        if (!address.matches("[^@\\s]{1,64}@[^@\\s]{1,189}")) {
            errors.add("email", "must be an e-mail address");
        } else if (User.findByEmail(address).isPresent()) {
            errors.add("email", "a user with this e-mail already exists");
        }
        String passwordProblem = Passwords.problem(password);
        if (passwordProblem != null) {
            errors.add("password", passwordProblem);
        }
        if (role == null) {
            errors.add("role", "must be admin or viewer");
        }
        errors.throwIfAny();
        User user = new User();
        user.email = address;
        user.passwordHash = Passwords.hash(password);
        user.role = role;
        user.persist();
        return user;
    }

    @Transactional
    public User update(long id, Boolean disabled, Role role) {
        User user = User.<User>findByIdOptional(id).orElseThrow(() -> new dev.keyhouse.web.NotFound("user " + id));
        boolean losesAdmin = user.role == Role.ADMIN && !user.disabled
                && (Boolean.TRUE.equals(disabled) || (role != null && role != Role.ADMIN));
        if (losesAdmin && enabledAdmins() <= 1) {
            new FieldErrors().add(Boolean.TRUE.equals(disabled) ? "disabled" : "role",
                    "this is the last enabled administrator; add another administrator first").throwIfAny();
        }
        if (disabled != null) {
            user.disabled = disabled;
        }
        if (role != null) {
            user.role = role;
        }
        user.updatedAt = Instant.now();
        return user;
    }

    private static long enabledAdmins() {
        return User.count("role = ?1 and disabled = false", Role.ADMIN);
    }
}
