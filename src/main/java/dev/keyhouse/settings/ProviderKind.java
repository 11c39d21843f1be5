package dev.keyhouse.settings;

import static dev.keyhouse.settings.SettingField.ACCESS_KEY;
import static dev.keyhouse.settings.SettingField.ACCOUNT_SID;
import static dev.keyhouse.settings.SettingField.API_KEY;
import static dev.keyhouse.settings.SettingField.API_KEY_SID;
import static dev.keyhouse.settings.SettingField.API_SECRET;
import static dev.keyhouse.settings.SettingField.API_VERSION;
import static dev.keyhouse.settings.SettingField.AUTH_TOKEN;
import static dev.keyhouse.settings.SettingField.BASE_URL;
import static dev.keyhouse.settings.SettingField.BUCKET;
import static dev.keyhouse.settings.SettingField.ENDPOINT;
import static dev.keyhouse.settings.SettingField.FROM_NUMBER;
import static dev.keyhouse.settings.SettingField.HEADERS;
import static dev.keyhouse.settings.SettingField.LANGUAGE;
import static dev.keyhouse.settings.SettingField.MODEL;
import static dev.keyhouse.settings.SettingField.ORGANIZATION;
import static dev.keyhouse.settings.SettingField.PROTOCOL;
import static dev.keyhouse.settings.SettingField.PROVIDER;
import static dev.keyhouse.settings.SettingField.REGION;
import static dev.keyhouse.settings.SettingField.SECRET_KEY;
import static dev.keyhouse.settings.SettingField.URL;
import static dev.keyhouse.settings.SettingField.VOICE;
import static dev.keyhouse.settings.SettingField.WHATSAPP_FROM;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The kinds of global setting, each with its providers and fields (in display order): the four provider kinds
 * (llm, stt, tts, telephony) and the fleet's other secrets (livekit, storage, tracing; issue 19). The variables each
 * writes into a runtime's environment: {@link ProviderEnvironment}.
 */
public enum ProviderKind {
    LLM("llm", "Language model", List.of("openai", "anthropic", "deepseek", "google", "openrouter", "custom"),
            List.of(PROVIDER, MODEL, BASE_URL, API_KEY, ORGANIZATION, API_VERSION)),
    STT("stt", "Speech to text", List.of("deepgram", "soniox", "custom"),
            List.of(PROVIDER, MODEL, LANGUAGE, BASE_URL, API_KEY)),
    TTS("tts", "Text to speech", List.of("elevenlabs", "sarvam", "custom"),
            List.of(PROVIDER, VOICE, MODEL, BASE_URL, API_KEY)),
    TELEPHONY("telephony", "Telephony (Twilio)", List.of("twilio"),
            List.of(PROVIDER, ACCOUNT_SID, AUTH_TOKEN, API_KEY_SID, API_SECRET, FROM_NUMBER, WHATSAPP_FROM)),
    /** A LiveKit server: its URL and an API key with its secret, as LiveKit's server SDKs take them. */
    LIVEKIT("livekit", "LiveKit", List.of("livekit"), List.of(PROVIDER, URL, API_KEY, API_SECRET)),
    /** S3-compatible object storage: AWS S3, or MinIO (which needs its endpoint). */
    STORAGE("storage", "Object storage (S3/MinIO)", List.of("s3", "minio"),
            List.of(PROVIDER, ENDPOINT, REGION, BUCKET, ACCESS_KEY, SECRET_KEY)),
    /** An OpenTelemetry OTLP exporter's endpoint, protocol and headers (which carry its credentials). */
    TRACING("tracing", "Tracing (OpenTelemetry)", List.of("otlp"), List.of(PROVIDER, ENDPOINT, PROTOCOL, HEADERS));

    /** The provider that means "any OpenAI-compatible (or otherwise self-described) endpoint". */
    public static final String CUSTOM = "custom";

    private final String id;
    private final String title;
    private final List<String> providers;
    private final List<SettingField> fields;

    ProviderKind(String id, String title, List<String> providers, List<SettingField> fields) {
        this.id = id;
        this.title = title;
        this.providers = providers;
        this.fields = fields;
    }

    /**
     * As URLs, JSON and the database spell it: {@code llm}, {@code stt}, {@code tts}, {@code telephony},
     * {@code livekit}, {@code storage}, {@code tracing}.
     */
    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    public List<String> providers() {
        return providers;
    }

    public List<SettingField> fields() {
        return fields;
    }

    /**
     * The kind's primary secret field, the one a card summarises: {@code apiKey}, {@code authToken} for telephony,
     * {@code apiSecret} for livekit, {@code secretKey} for storage, {@code headers} for tracing. Several kinds have
     * more than one; code that handles secrets goes through {@link #secretFields()}.
     */
    public SettingField secretField() {
        return switch (this) {
            case LLM, STT, TTS -> API_KEY;
            case TELEPHONY -> AUTH_TOKEN;
            case LIVEKIT -> API_SECRET;
            case STORAGE -> SECRET_KEY;
            case TRACING -> HEADERS;
        };
    }

    /**
     * Whether Keyhouse has a live check of this kind's keys (issue 15). The fleet kinds have none: their saves, the
     * Check key button, background checks and rollouts say so ({@link #noLiveCheck()}) and never block on it.
     */
    public boolean liveCheck() {
        return switch (this) {
            case LLM, STT, TTS, TELEPHONY -> true;
            case LIVEKIT, STORAGE, TRACING -> false;
        };
    }

    /** What a kind without a live check says instead of a result: "no live check for livekit". */
    public String noLiveCheck() {
        return "no live check for " + id;
    }

    /**
     * The field a stored secret is sent to, when the kind has one: a secret never follows a change of its origin
     * (see {@code SettingRules}); telephony has none (Twilio's API host is fixed).
     */
    public Optional<SettingField> destination() {
        return switch (this) {
            case LLM, STT, TTS -> Optional.of(BASE_URL);
            case TELEPHONY -> Optional.empty();
            case LIVEKIT -> Optional.of(URL);
            case STORAGE, TRACING -> Optional.of(ENDPOINT);
        };
    }

    /** Every secret field of the kind, in display order: {@code apiKey}, or {@code authToken} and {@code apiSecret}. */
    public List<SettingField> secretFields() {
        return fields.stream().filter(SettingField::secret).toList();
    }

    public Optional<SettingField> field(String json) {
        return fields.stream().filter(f -> f.json().equals(json)).findFirst();
    }

    /** The purpose of a sealed value holding this field, e.g. {@code provider_setting/llm/api_key}. */
    public String purpose(SettingField field) {
        return "provider_setting/" + id + "/" + field.column();
    }

    public static Optional<ProviderKind> parse(String id) {
        return Arrays.stream(values()).filter(k -> k.id.equals(id)).findFirst();
    }

    /**
     * The kind a path names, else 404: "settings kind 'nokind' does not exist" for a plain lower-case name, and for
     * any other segment (quotes, escapes, a pasted key) a sentence that does not repeat it.
     */
    public static ProviderKind inPath(String id) {
        return parse(id).orElseThrow(() -> id != null && id.matches("[a-z0-9_-]{1,40}")
                ? new dev.keyhouse.web.NotFound("settings kind '" + id + "'")
                : dev.keyhouse.web.NotFound.saying("there is no settings kind of that name (the kinds are "
                        + String.join(", ", Arrays.stream(values()).map(ProviderKind::id).toList()) + ")"));
    }
}
