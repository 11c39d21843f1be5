package dev.keyhouse.settings;

import dev.keyhouse.input.FieldType;

/**
 * A field of a provider setting (or of a fleet kind: livekit, storage, tracing), named as JSON, the REST API and the edit form name it. Its {@link FieldType}
 * decides how a submitted value is cleaned (see {@link dev.keyhouse.input.FieldRules}).
 */
public enum SettingField {
    PROVIDER("provider", "Provider", FieldType.IDENTIFIER, 50),
    MODEL("model", "Model", FieldType.IDENTIFIER, 200),
    BASE_URL("baseUrl", "Base URL", FieldType.URL, 2000),
    ORGANIZATION("organization", "Organization", FieldType.IDENTIFIER, 200),
    API_VERSION("apiVersion", "API version", FieldType.IDENTIFIER, 50),
    LANGUAGE("language", "Language", FieldType.IDENTIFIER, 35),
    VOICE("voice", "Voice", FieldType.IDENTIFIER, 200),
    ACCOUNT_SID("accountSid", "Account SID", FieldType.IDENTIFIER, 34),
    FROM_NUMBER("fromNumber", "Sender number", FieldType.PHONE, 16),
    WHATSAPP_FROM("whatsappFrom", "WhatsApp sender", FieldType.PHONE, 25),
    /** A Twilio API key's SID ({@code SK} + 32 hex), the user name its {@link #API_SECRET} goes with. */
    API_KEY_SID("apiKeySid", "API key SID", FieldType.IDENTIFIER, 34),
    API_KEY("apiKey", "API key", FieldType.SECRET, 4096),
    AUTH_TOKEN("authToken", "Auth token", FieldType.SECRET, 4096),
    /** The secret of a Twilio API key ({@link #API_KEY_SID}). */
    API_SECRET("apiSecret", "API key secret", FieldType.SECRET, 4096),
    /** A LiveKit server's URL: {@code wss://}, {@code ws://}, {@code https://} or {@code http://}. */
    URL("url", "URL", FieldType.WEBSOCKET_URL, 2000),
    /** Object storage's S3 endpoint, or the OTLP exporter's base endpoint. */
    ENDPOINT("endpoint", "Endpoint", FieldType.URL, 2000),
    /** An S3 region, such as {@code eu-west-1}. */
    REGION("region", "Region", FieldType.IDENTIFIER, 50),
    /** An S3 bucket name (3 to 63 characters, S3's bucket naming rules). */
    BUCKET("bucket", "Bucket", FieldType.IDENTIFIER, 63),
    /** The OTLP exporter's transport: {@code grpc}, {@code http/protobuf} or {@code http/json}. */
    PROTOCOL("protocol", "Protocol", FieldType.IDENTIFIER, 20),
    /** An S3 access key ID. */
    ACCESS_KEY("accessKey", "Access key", FieldType.SECRET, 4096),
    /** An S3 secret access key. */
    SECRET_KEY("secretKey", "Secret key", FieldType.SECRET, 4096),
    /** The OTLP exporter's headers, {@code key1=value1,key2=value2}: they carry its credentials. */
    HEADERS("headers", "Headers", FieldType.SECRET, 4096);

    private final String json;
    private final String label;
    private final FieldType type;
    private final int maxLength;

    SettingField(String json, String label, FieldType type, int maxLength) {
        this.json = json;
        this.label = label;
        this.type = type;
        this.maxLength = maxLength;
    }

    /** The rules a submitted value is cleaned by. */
    public FieldType type() {
        return type;
    }

    /** The camelCase name: JSON property, form field and {@code errors[].field}. */
    public String json() {
        return json;
    }

    public String label() {
        return label;
    }

    /** Sealed into {@code sealed_values} and write-only everywhere. */
    public boolean secret() {
        return type == FieldType.SECRET;
    }

    /** The longest value accepted, counted after cleaning. */
    public int maxLength() {
        return maxLength;
    }

    /** snake_case, as the sealed value's purpose names it: {@code provider_setting/llm/api_key}. */
    public String column() {
        return json.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
    }
}
