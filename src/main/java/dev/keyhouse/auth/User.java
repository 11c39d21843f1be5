package dev.keyhouse.auth;

import java.time.Instant;
import java.util.Optional;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Someone who signs in. The password is kept only as a bcrypt hash. */
@Entity
@Table(name = "users")
public class User extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String email;

    @Column(name = "password_hash")
    public String passwordHash;

    @Convert(converter = RoleConverter.class)
    public Role role;

    public boolean disabled;

    /** Created from SYSTEM_ADMIN_EMAIL / SYSTEM_ADMIN_PASSWORD; its password follows the environment. */
    public boolean bootstrap;

    /**
     * For the bootstrap account only: the keyed check that {@link #passwordHash} is the hash of the
     * SYSTEM_ADMIN_PASSWORD the last start saw (see {@link BootstrapAdmin}); null when unknown.
     */
    @Column(name = "bootstrap_password_check")
    public String bootstrapPasswordCheck;

    @Column(name = "created_at")
    public Instant createdAt = Instant.now();

    @Column(name = "updated_at")
    public Instant updatedAt = Instant.now();

    @Column(name = "last_sign_in_at")
    public Instant lastSignInAt;

    /**
     * The generation every session of this user's must carry (see {@link Sessions}). Read-only here: it changes only
     * through {@link Sessions#endAll}, an atomic UPDATE, so flushing a stale entity can never write it back.
     */
    @Column(name = "session_generation", insertable = false, updatable = false)
    public long sessionGeneration;

    public static Optional<User> findByEmail(String email) {
        return find("lower(email) = lower(?1)", email.strip()).firstResultOptional();
    }

    @Override
    public String toString() {
        return "User[" + id + ", " + email + ", " + role + (disabled ? ", disabled" : "") + "]";
    }
}
