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

/** A named token for automation; only its SHA-256 is stored, the token itself is shown once. */
@Entity
@Table(name = "api_tokens")
public class ApiToken extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String name;

    @Convert(converter = RoleConverter.class)
    public Role role;

    @Column(name = "token_hash")
    public String tokenHash;

    public String hint;

    @Column(name = "created_by")
    public Long createdBy;

    @Column(name = "created_at")
    public Instant createdAt = Instant.now();

    @Column(name = "last_used_at")
    public Instant lastUsedAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    public boolean isRevoked() {
        return revokedAt != null;
    }

    public static Optional<ApiToken> findByHash(String tokenHash) {
        return find("tokenHash", tokenHash).firstResultOptional();
    }

    @Override
    public String toString() {
        return "ApiToken[" + id + ", " + name + ", " + role + (isRevoked() ? ", revoked" : "") + "]";
    }
}
