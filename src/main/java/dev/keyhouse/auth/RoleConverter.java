package dev.keyhouse.auth;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores roles as their lower-case ids, matching the CHECK constraint. */
@Converter
public class RoleConverter implements AttributeConverter<Role, String> {

    @Override
    public String convertToDatabaseColumn(Role role) {
        return role == null ? null : role.id();
    }

    @Override
    public Role convertToEntityAttribute(String value) {
        return value == null ? null : Role.parse(value).orElseThrow(() -> new IllegalStateException("unknown role " + value));
    }
}
