package dev.keyhouse.settings;

/** A field of a provider setting, named as JSON, the REST API and the edit form name it. */
public enum SettingField {
    PROVIDER("provider", "Provider", false, 50),
    MODEL("model", "Model", false, 200),
    BASE_URL("baseUrl", "Base URL", false, 2000),
    ORGANIZATION("organization", "Organization", false, 200),
    API_VERSION("apiVersion", "API version", false, 50),
    LANGUAGE("language", "Language", false, 35),
    VOICE("voice", "Voice", false, 200),
    ACCOUNT_SID("accountSid", "Account SID", false, 34),
    FROM_NUMBER("fromNumber", "Sender number", false, 16),
    WHATSAPP_FROM("whatsappFrom", "WhatsApp sender", false, 25),
    API_KEY("apiKey", "API key", true, 4096),
    AUTH_TOKEN("authToken", "Auth token", true, 4096);

    private final String json;
    private final String label;
    private final boolean secret;
    private final int maxLength;

    SettingField(String json, String label, boolean secret, int maxLength) {
        this.json = json;
        this.label = label;
        this.secret = secret;
        this.maxLength = maxLength;
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
        return secret;
    }

    public int maxLength() {
        return maxLength;
    }

    /** snake_case, as the sealed value's purpose names it: {@code provider_setting/llm/api_key}. */
    public String column() {
        return json.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
    }
}
