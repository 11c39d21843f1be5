package dev.keyhouse.settings;

import static dev.keyhouse.settings.SettingField.ACCESS_KEY;
import static dev.keyhouse.settings.SettingField.ACCOUNT_SID;
import static dev.keyhouse.settings.SettingField.API_KEY;
import static dev.keyhouse.settings.SettingField.API_KEY_SID;
import static dev.keyhouse.settings.SettingField.API_SECRET;
import static dev.keyhouse.settings.SettingField.AUTH_TOKEN;
import static dev.keyhouse.settings.SettingField.BASE_URL;
import static dev.keyhouse.settings.SettingField.BUCKET;
import static dev.keyhouse.settings.SettingField.ENDPOINT;
import static dev.keyhouse.settings.SettingField.FROM_NUMBER;
import static dev.keyhouse.settings.SettingField.HEADERS;
import static dev.keyhouse.settings.SettingField.LANGUAGE;
import static dev.keyhouse.settings.SettingField.MODEL;
import static dev.keyhouse.settings.SettingField.PROTOCOL;
import static dev.keyhouse.settings.SettingField.PROVIDER;
import static dev.keyhouse.settings.SettingField.REGION;
import static dev.keyhouse.settings.SettingField.SECRET_KEY;
import static dev.keyhouse.settings.SettingField.URL;
import static dev.keyhouse.settings.SettingField.VOICE;
import static dev.keyhouse.settings.SettingField.WHATSAPP_FROM;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import dev.keyhouse.config.EnvFileDialect;
import dev.keyhouse.egress.Origin;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.vault.VaultReference;
import dev.keyhouse.web.FieldErrors;

/**
 * Validates and normalises a submitted setting; every problem is reported against its field. Each value is first
 * cleaned by the rules of its field's type ({@link FieldRules}: the same for the form, REST and bootstrap), then
 * checked against what the kind and provider need.
 */
final class SettingRules {

    /** Default API base URL per LLM provider, used when none is given. */
    static final Map<String, String> LLM_BASE_URLS = Map.of(
            "openai", "https://api.openai.com/v1",
            "anthropic", "https://api.anthropic.com/v1",
            "deepseek", "https://api.deepseek.com/v1",
            "google", "https://generativelanguage.googleapis.com/v1beta/openai",
            "openrouter", "https://openrouter.ai/api/v1");

    private static final Pattern LANGUAGE_CODE = Pattern.compile("[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*|multi");
    private static final Pattern TWILIO_SID = Pattern.compile("AC[0-9a-fA-F]{32}");
    /** A Twilio API key's SID; Twilio's SIDs are two letters and 32 hex digits. */
    private static final Pattern TWILIO_API_KEY_SID = Pattern.compile("SK[0-9a-fA-F]{32}");
    /** An auth token: 32 hex digits, as Twilio issues them. */
    private static final Pattern TWILIO_AUTH_TOKEN = Pattern.compile("[0-9a-fA-F]{32}");
    /** Anything that starts like an API key SID or an Account SID, however it goes on. */
    private static final Pattern LOOKS_API_KEY_SID = Pattern.compile("(?i)SK[0-9a-f]{8,}");
    private static final Pattern LOOKS_ACCOUNT_SID = Pattern.compile("(?i)AC[0-9a-f]{8,}");
    private static final Pattern API_KEY_SID_EXACTLY = Pattern.compile("(?i)SK[0-9a-f]{32}");
    private static final Pattern ACCOUNT_SID_EXACTLY = Pattern.compile("(?i)AC[0-9a-f]{32}");
    /** Where an Account SID goes. */
    private static final String ACCOUNT_SID_THERE = "is an Account SID (AC…), not %s: put it in \"Account SID\"";
    /** Where an API key SID goes, for the messages that move it there. */
    private static final String API_KEY_SID_THERE = "is an API Key SID (SK…), not %s: put it in \"API key SID\""
            + " and its secret in \"API key secret\"";
    /**
     * An S3 general purpose bucket name, as AWS's "General purpose bucket naming rules" (Amazon S3 User Guide) give
     * them: 3 to 63 lowercase letters, digits, '.' and '-', beginning and ending with a letter or digit; the other
     * rules (no "..", not an IP address, reserved prefixes and suffixes) are {@link #bucketProblem}. MinIO follows the
     * same rules.
     */
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern IPV4_SHAPED = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    /** Prefixes and suffixes S3 reserves (the same page). */
    private static final List<String> BUCKET_PREFIXES = List.of("xn--", "sthree-", "amzn-s3-demo-");
    private static final List<String> BUCKET_SUFFIXES = List.of("-s3alias", "--ol-s3", ".mrap", "--x-s3",
            "--table-s3");
    /** An S3 region code such as {@code us-east-1}, or a MinIO region name of the same shape. */
    private static final Pattern REGION_CODE = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    /**
     * The OTLP exporter's transports, as OpenTelemetry's "OTLP Exporter Configuration" lists the values of
     * {@code OTEL_EXPORTER_OTLP_PROTOCOL}.
     */
    static final List<String> OTLP_PROTOCOLS = List.of("grpc", "http/protobuf", "http/json");
    /** An HTTP header name: RFC 9110's token. */
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /**
     * A header's value in {@code OTEL_EXPORTER_OTLP_HEADERS}: the W3C Baggage value characters (baggage-octet: printable
     * ASCII but space, '"', ',', ';' and '\\'), percent-encoding anything else.
     */
    private static final Pattern HEADER_VALUE = Pattern.compile("[\\x21\\x23-\\x2B\\x2D-\\x3A\\x3C-\\x5B\\x5D-\\x7E]+");
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
    private static final Pattern WHATSAPP = Pattern.compile("(whatsapp:)?\\+[1-9][0-9]{1,14}");

    /**
     * A submission that passed: the new non-secret values (secret references copied from what is stored) and
     * the secrets to seal. Its {@code toString} leaves the secrets out.
     */
    record Checked(SettingValues values, Map<SettingField, String> secrets) {
        @Override
        public String toString() {
            return "Checked[" + values.provider + ", secrets " + secrets.keySet() + "]";
        }
    }

    private SettingRules() {
    }

    /**
     * @param input submitted values by JSON name, as typed; null or blank means unset, and for a secret "keep the
     *        stored one"
     * @param stored the current version, for the secrets that are kept
     * @throws FieldErrors naming each field at fault
     */
    static Checked check(ProviderKind kind, Map<String, String> input, SettingValues stored) {
        FieldErrors errors = new FieldErrors();
        Map<SettingField, String> given = new EnumMap<>(SettingField.class);
        Set<SettingField> bad = EnumSet.noneOf(SettingField.class);
        for (Map.Entry<String, String> entry : input.entrySet()) {
            SettingField field = kind.field(entry.getKey()).orElse(null);
            if (field == null) {
                errors.add(entry.getKey(), "is not a field of " + kind.id() + " settings");
                continue;
            }
            if (field.secret() && entry.getValue() != null && VaultReference.isReference(entry.getValue().strip())) {
                // a vault: reference is stored as written, pinned (CheckedSaves#pinned pins it before this)
                java.util.Optional<VaultReference> reference = VaultReference.parse(entry.getValue().strip());
                if (reference.isEmpty()) {
                    errors.add(field.json(), VaultReference.FORM);
                    bad.add(field);
                } else if (!reference.get().pinned()) {
                    errors.add(field.json(), "a Vault reference is stored pinned to a KV version (?version=N): save"
                            + " it through the settings page or API, which pin it");
                    bad.add(field);
                } else {
                    given.put(field, reference.get().toString());
                }
                continue;
            }
            FieldRules.Cleaned cleaned = FieldRules.clean(field.type(), entry.getValue());
            String masked = field.secret() && entry.getValue() != null
                    ? DisplayedSecret.problem(entry.getValue().strip()) : null;
            if (masked != null) {
                // before the cleaning rules: they would refuse "…6789" for its non-ASCII character, which misleads
                errors.add(field.json(), masked);
                bad.add(field);
            } else if (!cleaned.ok()) {
                // a space in an OTLP header's value is written %20 (the exporter percent-decodes values)
                errors.add(field.json(), cleaned.problem() + (field == HEADERS && cleaned.problem().startsWith("space")
                        ? "; write a space in a header's value as %20" : ""));
                bad.add(field);
            } else if (cleaned.value() != null && cleaned.value().length() > field.maxLength()) {
                errors.add(field.json(), "must be at most " + field.maxLength() + " characters");
                bad.add(field);
            } else if (cleaned.value() != null) {
                // runtimes receive every field as an environment variable: a value no env-file line holds would make
                // runtime-config's env answer (and every target's environment file) fail for the whole fleet
                java.util.Optional<String> unservable = EnvFileDialect.problem(cleaned.value());
                if (unservable.isPresent()) {
                    errors.add(field.json(), "cannot be served as an environment variable: it " + unservable.get());
                    bad.add(field);
                } else {
                    given.put(field, cleaned.value());
                }
            }
        }
        Rules rules = new Rules(kind, given, bad, errors, stored);
        rules.apply();
        errors.throwIfAny();
        return rules.result();
    }

    /** One check in progress. */
    private static final class Rules {
        private final ProviderKind kind;
        private final Map<SettingField, String> given;
        private final Set<SettingField> bad;
        private final FieldErrors errors;
        private final SettingValues stored;
        private final SettingValues next = new SettingValues();
        private final Map<SettingField, String> secrets = new EnumMap<>(SettingField.class);

        Rules(ProviderKind kind, Map<SettingField, String> given, Set<SettingField> bad, FieldErrors errors,
                SettingValues stored) {
            this.kind = kind;
            this.given = given;
            this.bad = bad;
            this.errors = errors;
            this.stored = stored;
        }

        void apply() {
            for (SettingField field : kind.fields()) {
                if (field.secret()) {
                    next.setSecretRef(field, stored.secretRef(field));
                    if (given.containsKey(field)) {
                        secrets.put(field, given.get(field));
                    }
                } else if (given.containsKey(field)) {
                    next.set(field, given.get(field));
                }
            }
            String provider = provider();
            boolean custom = ProviderKind.CUSTOM.equals(provider);
            switch (kind) {
                case LLM -> {
                    required(MODEL);
                    if (!has(BASE_URL) && provider != null && !bad.contains(BASE_URL)) {
                        if (custom) {
                            errors.add(BASE_URL.json(), "is required for a custom provider");
                        } else {
                            next.baseUrl = LLM_BASE_URLS.get(provider);
                        }
                    }
                    url(BASE_URL);
                    secretsRequired(provider, true, API_KEY);
                }
                case STT -> {
                    required(MODEL);
                    pattern(LANGUAGE, LANGUAGE_CODE, "must be a language code such as en, en-US or multi");
                    customUrl(custom);
                    secretsRequired(provider, true, API_KEY);
                }
                case TTS -> {
                    required(VOICE);
                    customUrl(custom);
                    secretsRequired(provider, true, API_KEY);
                }
                case TELEPHONY -> {
                    required(ACCOUNT_SID);
                    if (has(ACCOUNT_SID) && LOOKS_API_KEY_SID.matcher(given.get(ACCOUNT_SID)).matches()) {
                        errors.add(ACCOUNT_SID.json(), String.format(API_KEY_SID_THERE, "an Account SID (AC…)"));
                    } else {
                        pattern(ACCOUNT_SID, TWILIO_SID, "must be AC followed by 32 hexadecimal digits");
                    }
                    twilioCredentials();
                    required(FROM_NUMBER);
                    pattern(FROM_NUMBER, E164, "must be an E.164 number such as +14155550100");
                    pattern(WHATSAPP_FROM, WHATSAPP, "must be an E.164 number or whatsapp:+ and one, such as"
                            + " whatsapp:+14155550100");
                }
                case LIVEKIT -> {
                    required(URL);
                    // a query (?token=...) would carry a credential into LIVEKIT_URL and the audit's clear fields
                    url(URL);
                    secretsRequired(provider, false, API_KEY, API_SECRET);
                }
                case STORAGE -> {
                    if ("minio".equals(provider) && !has(ENDPOINT) && !bad.contains(ENDPOINT)) {
                        errors.add(ENDPOINT.json(), "is required for MinIO: its S3 API URL, such as"
                                + " http://minio:9000");
                    }
                    url(ENDPOINT);
                    pattern(REGION, REGION_CODE, "must be a region code such as us-east-1");
                    required(BUCKET);
                    if (has(BUCKET)) {
                        String problem = bucketProblem(given.get(BUCKET));
                        if (problem != null) {
                            errors.add(BUCKET.json(), problem);
                        }
                    }
                    secretsRequired(provider, false, ACCESS_KEY, SECRET_KEY);
                }
                case TRACING -> {
                    required(ENDPOINT);
                    url(ENDPOINT);
                    if (has(PROTOCOL)) {
                        String protocol = given.get(PROTOCOL).toLowerCase(Locale.ROOT);
                        if (OTLP_PROTOCOLS.contains(protocol)) {
                            next.protocol = protocol;
                        } else {
                            errors.add(PROTOCOL.json(), "must be one of " + String.join(", ", OTLP_PROTOCOLS));
                        }
                    }
                    if (has(HEADERS) && !VaultReference.isReference(given.get(HEADERS))) {
                        // (a vault: reference's value is not read here: its shape is Vault's to keep)
                        String problem = otlpHeadersProblem(given.get(HEADERS));
                        if (problem != null) {
                            errors.add(HEADERS.json(), problem);
                        }
                    }
                }
            }
            secretFollowsItsDestination();
        }

        /**
         * Either the auth token, or an API key SID with its secret (both, or neither); a value typed into the wrong
         * field is named for what it is. Messages never quote a value.
         */
        private void twilioCredentials() {
            // only the whole SID shape in a secret: a 32-hex token may well start with "ac"; an API key secret is
            // 32 characters, a SID 34
            if (!misplacedSid(AUTH_TOKEN, LOOKS_API_KEY_SID, ACCOUNT_SID_EXACTLY, "an auth token")
                    && has(AUTH_TOKEN) && !VaultReference.isReference(given.get(AUTH_TOKEN))
                    && !TWILIO_AUTH_TOKEN.matcher(given.get(AUTH_TOKEN)).matches()) {
                // (a vault: reference's value is not read here: its shape is Vault's to keep)
                errors.add(AUTH_TOKEN.json(), "must be 32 hexadecimal characters, as Twilio issues auth tokens");
            }
            if (!misplacedSid(API_KEY_SID, null, LOOKS_ACCOUNT_SID, "an API key SID")
                    && has(API_KEY_SID) && !TWILIO_API_KEY_SID.matcher(given.get(API_KEY_SID)).matches()) {
                errors.add(API_KEY_SID.json(), "must be SK followed by 32 hexadecimal digits");
            }
            misplacedSid(API_SECRET, API_KEY_SID_EXACTLY, ACCOUNT_SID_EXACTLY, "an API key secret");
            boolean sid = has(API_KEY_SID) || bad.contains(API_KEY_SID);
            boolean secret = has(API_SECRET) || bad.contains(API_SECRET);
            if (!sid && !has(API_SECRET)) {
                // the key is gone: its stored secret must not stay behind, to be served without its SID
                next.setSecretRef(API_SECRET, null);
            }
            boolean token = has(AUTH_TOKEN) || bad.contains(AUTH_TOKEN) || stored.secretRef(AUTH_TOKEN) != null;
            if (sid && !secret && stored.secretRef(API_SECRET) == null) {
                errors.add(API_SECRET.json(), "is required with an API key SID");
            } else if (!sid && has(API_SECRET)) {
                errors.add(API_KEY_SID.json(), "is required with an API key secret: SK followed by 32 hexadecimal"
                        + " digits");
            } else if (!sid && !token) {
                errors.add(AUTH_TOKEN.json(), "is required, or an API key SID with its API key secret instead");
            }
        }

        /**
         * Names an API key SID or an Account SID typed into {@code field} (described as {@code what}) and where it
         * goes; a null pattern skips that check.
         *
         * @return whether the field was refused
         */
        private boolean misplacedSid(SettingField field, Pattern apiKeySid, Pattern accountSid, String what) {
            String value = given.get(field);
            if (value == null) {
                return false;
            }
            if (apiKeySid != null && apiKeySid.matcher(value).matches()) {
                errors.add(field.json(), String.format(API_KEY_SID_THERE, what));
                return true;
            }
            if (accountSid.matcher(value).matches()) {
                errors.add(field.json(), String.format(ACCOUNT_SID_THERE, what));
                return true;
            }
            return false;
        }

        /**
         * A stored secret is never carried to a new destination: when the provider or the base URL's origin (scheme,
         * host, port) changes, the secret must be entered again in the same save, or runtimes (and Keyhouse's own
         * provider calls) would hand the old key to a host its owner never chose.
         */
        private void secretFollowsItsDestination() {
            if (next.provider == null) {
                return;
            }
            List<String> moved = new java.util.ArrayList<>();
            String storedProvider = stored.get(PROVIDER);
            if (storedProvider != null && !storedProvider.equals(next.provider)) {
                moved.add("provider");
            }
            // a destination refused by its own rules (a URL with user:password@, say) is not a destination that
            // changed: its field's error says what is wrong, and the secret is not told its host moved
            boolean destinationRefused = kind.destination().map(bad::contains).orElse(false);
            if (!destinationRefused && !Objects.equals(origin(destination(stored, storedProvider)),
                    origin(destination(next, next.provider)))) {
                moved.add(switch (kind.destination().orElseThrow()) {
                    case BASE_URL -> "base URL host";
                    case URL -> "URL host";
                    case ENDPOINT -> "endpoint host";
                    default -> throw new IllegalStateException(kind.id() + " has no destination field");
                });
            }
            for (SettingField secret : kind.secretFields()) {
                if (next.secretRef(secret) == null || secrets.containsKey(secret) || bad.contains(secret)) {
                    continue;
                }
                List<String> changed = new java.util.ArrayList<>(moved);
                if (secret == API_SECRET && !Objects.equals(stored.get(API_KEY_SID), next.get(API_KEY_SID))) {
                    // an API key's secret belongs to its SID: a new SID with the old secret is another key
                    changed.add("API key SID");
                }
                if (!changed.isEmpty()) {
                    errors.add(secret.json(), "enter the " + secret.label() + " again: the "
                            + String.join(" and ", changed)
                            + " changed, and a stored secret is never sent to a new destination");
                }
            }
        }

        /** Where the kind's secrets are sent ({@link ProviderKind#destination()}); null when nowhere is named. */
        private String destination(SettingValues values, String provider) {
            SettingField field = kind.destination().orElse(null);
            if (field == null) {
                return null;
            }
            String url = values.get(field);
            return url != null || kind != ProviderKind.LLM || provider == null ? url : LLM_BASE_URLS.get(provider);
        }

        /** scheme://host:port, lower-cased, the default port written out ({@link Origin}). */
        private static String origin(String url) {
            return url == null ? null : Origin.of(url);
        }

        Checked result() {
            return new Checked(next, secrets);
        }

        private String provider() {
            if (bad.contains(PROVIDER)) {
                return null;
            }
            String provider = given.get(PROVIDER);
            if (provider == null && kind.providers().size() == 1) {
                provider = kind.providers().get(0);
            }
            if (provider == null) {
                errors.add(PROVIDER.json(), "is required: one of " + String.join(", ", kind.providers()));
                return null;
            }
            provider = provider.toLowerCase(Locale.ROOT);
            if (!kind.providers().contains(provider)) {
                errors.add(PROVIDER.json(), "must be one of " + String.join(", ", kind.providers()));
                return null;
            }
            next.provider = provider;
            return provider;
        }

        private boolean has(SettingField field) {
            return given.containsKey(field);
        }

        private void required(SettingField field) {
            if (!has(field) && !bad.contains(field)) {
                errors.add(field.json(), "is required");
            }
        }

        private void pattern(SettingField field, Pattern pattern, String message) {
            if (has(field) && !pattern.matcher(given.get(field)).matches()) {
                errors.add(field.json(), message);
            }
        }

        private void customUrl(boolean custom) {
            if (custom) {
                required(BASE_URL);
            }
            url(BASE_URL);
        }

        private void url(SettingField field) {
            if (has(field)) {
                String problem = baseUrlProblem(given.get(field));
                if (problem != null) {
                    errors.add(field.json(), problem);
                }
            }
        }

        /**
         * Each of {@code fields} must be given unless one is stored (an unreadable one counts: it is replaced by
         * re-entry), except for a custom provider when {@code customWithout}. A provider missing or refused does not
         * put the question off to the next submit: the key is named as required now ("unless the provider is
         * custom" where that exempts it). Telephony's alternatives are checked by {@link #twilioCredentials}.
         */
        private void secretsRequired(String provider, boolean customWithout, SettingField... fields) {
            if (customWithout && ProviderKind.CUSTOM.equals(provider)) {
                return;
            }
            String message = provider == null && customWithout ? "is required unless the provider is custom"
                    : "is required";
            for (SettingField secret : fields) {
                if (!has(secret) && !bad.contains(secret) && stored.secretRef(secret) == null) {
                    errors.add(secret.json(), message);
                }
            }
        }
    }

    /**
     * Why a bucket name breaks S3's general purpose bucket naming rules (Amazon S3 User Guide, "General purpose
     * bucket naming rules"); null when it keeps them. Never quotes the name.
     */
    static String bucketProblem(String name) {
        if (name.length() < 3 || name.length() > 63) {
            return "must be 3 to 63 characters long (S3 bucket naming rules)";
        }
        if (!BUCKET_NAME.matcher(name).matches()) {
            return "must be lowercase letters, digits, '.' and '-', beginning and ending with a letter or digit"
                    + " (S3 bucket naming rules)";
        }
        if (name.contains("..")) {
            return "must not contain two adjacent periods (S3 bucket naming rules)";
        }
        if (IPV4_SHAPED.matcher(name).matches()) {
            return "must not be formatted as an IP address (S3 bucket naming rules)";
        }
        for (String prefix : BUCKET_PREFIXES) {
            if (name.startsWith(prefix)) {
                return "must not start with " + prefix + ", which S3 reserves";
            }
        }
        for (String suffix : BUCKET_SUFFIXES) {
            if (name.endsWith(suffix)) {
                return "must not end with " + suffix + ", which S3 reserves";
            }
        }
        return null;
    }

    /**
     * Why a value is not the OTLP exporter's headers; null when it is. The form is OpenTelemetry's
     * {@code OTEL_EXPORTER_OTLP_HEADERS} ("OTLP Exporter Configuration"; the specification's "Specifying headers via
     * environment variables"): {@code key1=value1,key2=value2}, W3C Baggage without properties, each value
     * percent-encoded where it is not a baggage character. Messages name the member by position, never its text
     * (headers carry credentials).
     */
    static String otlpHeadersProblem(String headers) {
        String[] members = headers.split(",", -1);
        for (int i = 0; i < members.length; i++) {
            String member = members[i];
            String which = "member " + (i + 1) + " of " + members.length;
            int equals = member.indexOf('=');
            if (member.isEmpty()) {
                return which + " is empty: write key1=value1,key2=value2 with no empty member";
            }
            if (equals < 0) {
                return which + " has no '=': write key1=value1,key2=value2";
            }
            if (!HEADER_NAME.matcher(member.substring(0, equals)).matches()) {
                return which + " has no valid header name before its '=' (letters, digits and !#$%&'*+-.^_`|~)";
            }
            String value = member.substring(equals + 1);
            if (value.isEmpty()) {
                return which + " has an empty value";
            }
            if (!HEADER_VALUE.matcher(value).matches()) {
                return which + "'s value has a character the header list cannot carry (';', '\\' or '\"'):"
                        + " percent-encode it, such as %3B";
            }
            for (int at = value.indexOf('%'); at >= 0; at = value.indexOf('%', at + 1)) {
                if (at + 2 >= value.length() || !isHex(value.charAt(at + 1)) || !isHex(value.charAt(at + 2))) {
                    return which + "'s value has a '%' that does not start an escape such as %20";
                }
            }
        }
        return null;
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0 && c < 0x80;
    }

    /** Why a cleaned URL is not acceptable as an API base URL; null when it is. */
    static String baseUrlProblem(String canonicalUrl) {
        // a client appends paths such as /chat/completions to the base URL, which a query would end up after
        return canonicalUrl.indexOf('?') >= 0 ? "must not contain a query" : null;
    }

    /**
     * Why each field of a stored version cannot be served as an environment: a provider this Keyhouse does not
     * serve, a required field unset, or a control character (an environment line cannot carry one). The same
     * required fields as {@link #check}, applied to versions it never passed: rows written by hand, by another
     * release, or restored from a dump. Values are never quoted. Secrets are checked where they are opened (see
     * {@link #secretRequired(ProviderKind, SettingField, String, SettingValues)}).
     */
    static Map<SettingField, String> unservable(ProviderKind kind, SettingValues values) {
        Map<SettingField, String> problems = new EnumMap<>(SettingField.class);
        for (SettingField field : kind.fields()) {
            String value = field.secret() ? null : values.get(field);
            if (value != null && value.chars().anyMatch(Character::isISOControl)) {
                problems.put(field, "contains a control character, which an environment cannot carry");
            }
        }
        String provider = values.provider;
        if (provider == null || provider.isBlank()) {
            problems.putIfAbsent(PROVIDER, "is not set");
        } else if (!kind.providers().contains(provider)) {
            problems.putIfAbsent(PROVIDER, "is not one this Keyhouse serves (" + String.join(", ", kind.providers())
                    + ")");
        }
        boolean custom = ProviderKind.CUSTOM.equals(provider);
        switch (kind) {
            case LLM -> requiredStored(problems, values, MODEL, custom ? BASE_URL : null);
            case STT -> requiredStored(problems, values, MODEL, custom ? BASE_URL : null);
            case TTS -> requiredStored(problems, values, VOICE, custom ? BASE_URL : null);
            case TELEPHONY -> {
                requiredStored(problems, values, ACCOUNT_SID, FROM_NUMBER);
                if (values.apiSecretId != null && values.apiKeySid == null) {
                    problems.putIfAbsent(API_KEY_SID, "is not set, and the API key secret needs it");
                }
            }
            case LIVEKIT -> requiredStored(problems, values, URL);
            case STORAGE -> requiredStored(problems, values, BUCKET, "minio".equals(provider) ? ENDPOINT : null);
            case TRACING -> requiredStored(problems, values, ENDPOINT);
        }
        return problems;
    }

    /**
     * Whether an unset secret leaves a stored version unservable: an LLM, STT or TTS key for every provider but
     * custom; telephony's auth token unless an API key (SID and secret) replaces it, and an API key secret whenever
     * its SID is set; LiveKit's API key and secret and storage's access and secret keys always; tracing's headers
     * never (an OTLP collector may need none).
     */
    static boolean secretRequired(ProviderKind kind, SettingField field, String provider, SettingValues values) {
        return switch (kind) {
            case LLM, STT, TTS -> provider != null && !ProviderKind.CUSTOM.equals(provider);
            case TELEPHONY -> field == API_SECRET ? values.apiKeySid != null
                    : !(values.apiKeySid != null && values.apiSecretId != null);
            case LIVEKIT, STORAGE -> true;
            case TRACING -> false;
        };
    }

    private static void requiredStored(Map<SettingField, String> problems, SettingValues values,
            SettingField... fields) {
        for (SettingField field : fields) {
            if (field != null && (values.get(field) == null || values.get(field).isBlank())) {
                problems.putIfAbsent(field, "is not set");
            }
        }
    }
}
