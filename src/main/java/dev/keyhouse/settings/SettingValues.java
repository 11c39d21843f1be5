package dev.keyhouse.settings;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import java.util.Objects;
import java.util.UUID;

/**
 * The fields of one version of a setting, shared by the current row and its history. Secrets are references to
 * {@code sealed_values} rows, never values.
 */
@Embeddable
public class SettingValues {

    public String provider;
    public String model;
    @Column(name = "base_url")
    public String baseUrl;
    public String organization;
    @Column(name = "api_version")
    public String apiVersion;
    public String language;
    public String voice;
    @Column(name = "account_sid")
    public String accountSid;
    @Column(name = "from_number")
    public String fromNumber;
    @Column(name = "whatsapp_from")
    public String whatsappFrom;
    @Column(name = "api_key_sid")
    public String apiKeySid;
    @Column(name = "api_key_id")
    public UUID apiKeyId;
    @Column(name = "auth_token_id")
    public UUID authTokenId;
    @Column(name = "api_secret_id")
    public UUID apiSecretId;
    public String url;
    public String endpoint;
    public String region;
    public String bucket;
    public String protocol;
    @Column(name = "access_key_id")
    public UUID accessKeyId;
    @Column(name = "secret_key_id")
    public UUID secretKeyId;
    @Column(name = "headers_id")
    public UUID headersId;

    /** A non-secret field's value; null when unset. */
    public String get(SettingField field) {
        return switch (field) {
            case PROVIDER -> provider;
            case MODEL -> model;
            case BASE_URL -> baseUrl;
            case ORGANIZATION -> organization;
            case API_VERSION -> apiVersion;
            case LANGUAGE -> language;
            case VOICE -> voice;
            case ACCOUNT_SID -> accountSid;
            case FROM_NUMBER -> fromNumber;
            case WHATSAPP_FROM -> whatsappFrom;
            case API_KEY_SID -> apiKeySid;
            case URL -> url;
            case ENDPOINT -> endpoint;
            case REGION -> region;
            case BUCKET -> bucket;
            case PROTOCOL -> protocol;
            case API_KEY, AUTH_TOKEN, API_SECRET, ACCESS_KEY, SECRET_KEY, HEADERS ->
                    throw new IllegalArgumentException(field + " is a secret: use secretRef");
        };
    }

    void set(SettingField field, String value) {
        switch (field) {
            case PROVIDER -> provider = value;
            case MODEL -> model = value;
            case BASE_URL -> baseUrl = value;
            case ORGANIZATION -> organization = value;
            case API_VERSION -> apiVersion = value;
            case LANGUAGE -> language = value;
            case VOICE -> voice = value;
            case ACCOUNT_SID -> accountSid = value;
            case FROM_NUMBER -> fromNumber = value;
            case WHATSAPP_FROM -> whatsappFrom = value;
            case API_KEY_SID -> apiKeySid = value;
            case URL -> url = value;
            case ENDPOINT -> endpoint = value;
            case REGION -> region = value;
            case BUCKET -> bucket = value;
            case PROTOCOL -> protocol = value;
            case API_KEY, AUTH_TOKEN, API_SECRET, ACCESS_KEY, SECRET_KEY, HEADERS ->
                    throw new IllegalArgumentException(field + " is a secret: use setSecretRef");
        }
    }

    /** The sealed value holding a secret field; null when it was never set. */
    public UUID secretRef(SettingField field) {
        return switch (field) {
            case API_KEY -> apiKeyId;
            case AUTH_TOKEN -> authTokenId;
            case API_SECRET -> apiSecretId;
            case ACCESS_KEY -> accessKeyId;
            case SECRET_KEY -> secretKeyId;
            case HEADERS -> headersId;
            default -> throw new IllegalArgumentException(field + " is not a secret");
        };
    }

    void setSecretRef(SettingField field, UUID id) {
        switch (field) {
            case API_KEY -> apiKeyId = id;
            case AUTH_TOKEN -> authTokenId = id;
            case API_SECRET -> apiSecretId = id;
            case ACCESS_KEY -> accessKeyId = id;
            case SECRET_KEY -> secretKeyId = id;
            case HEADERS -> headersId = id;
            default -> throw new IllegalArgumentException(field + " is not a secret");
        }
    }

    /** Whether a field differs from another version: by value, or for a secret by sealed row. */
    boolean differs(SettingValues other, SettingField field) {
        return field.secret() ? !Objects.equals(secretRef(field), other.secretRef(field))
                : !Objects.equals(get(field), other.get(field));
    }

    SettingValues copy() {
        SettingValues copy = new SettingValues();
        for (SettingField field : SettingField.values()) {
            if (field.secret()) {
                copy.setSecretRef(field, secretRef(field));
            } else {
                copy.set(field, get(field));
            }
        }
        return copy;
    }
}
