package dev.keyhouse.settings;

import static dev.keyhouse.settings.SettingField.ACCOUNT_SID;
import static dev.keyhouse.settings.SettingField.API_KEY;
import static dev.keyhouse.settings.SettingField.API_KEY_SID;
import static dev.keyhouse.settings.SettingField.API_SECRET;
import static dev.keyhouse.settings.SettingField.API_VERSION;
import static dev.keyhouse.settings.SettingField.AUTH_TOKEN;
import static dev.keyhouse.settings.SettingField.BASE_URL;
import static dev.keyhouse.settings.SettingField.FROM_NUMBER;
import static dev.keyhouse.settings.SettingField.LANGUAGE;
import static dev.keyhouse.settings.SettingField.MODEL;
import static dev.keyhouse.settings.SettingField.ORGANIZATION;
import static dev.keyhouse.settings.SettingField.PROVIDER;
import static dev.keyhouse.settings.SettingField.VOICE;
import static dev.keyhouse.settings.SettingField.WHATSAPP_FROM;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The four kinds of global provider setting, each with its providers and fields (in display order). */
public enum ProviderKind {
    LLM("llm", "Language model", List.of("openai", "anthropic", "deepseek", "google", "openrouter", "custom"),
            List.of(PROVIDER, MODEL, BASE_URL, API_KEY, ORGANIZATION, API_VERSION)),
    STT("stt", "Speech to text", List.of("deepgram", "soniox", "custom"),
            List.of(PROVIDER, MODEL, LANGUAGE, BASE_URL, API_KEY)),
    TTS("tts", "Text to speech", List.of("elevenlabs", "sarvam", "custom"),
            List.of(PROVIDER, VOICE, MODEL, BASE_URL, API_KEY)),
    TELEPHONY("telephony", "Telephony (Twilio)", List.of("twilio"),
            List.of(PROVIDER, ACCOUNT_SID, AUTH_TOKEN, API_KEY_SID, API_SECRET, FROM_NUMBER, WHATSAPP_FROM));

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

    /** As URLs, JSON and the database spell it: {@code llm}, {@code stt}, {@code tts}, {@code telephony}. */
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
     * The kind's primary secret field: {@code apiKey}, or {@code authToken} for telephony. Telephony has a second
     * one ({@code apiSecret}); code that handles secrets goes through {@link #secretFields()}.
     */
    public SettingField secretField() {
        return this == TELEPHONY ? AUTH_TOKEN : API_KEY;
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
}
