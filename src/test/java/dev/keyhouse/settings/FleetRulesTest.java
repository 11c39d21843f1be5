package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.keyhouse.web.FieldErrors;

/**
 * The fleet kinds' rules (issue 19, part A) without a server: what each field accepts, how it is stored, what a
 * stored version needs to be served, and the variables each kind writes.
 */
class FleetRulesTest {

    private static SettingRules.Checked check(ProviderKind kind, Map<String, String> input) {
        return SettingRules.check(kind, input, new SettingValues());
    }

    private static List<String> refused(ProviderKind kind, Map<String, String> input) {
        try {
            check(kind, input);
        } catch (FieldErrors e) {
            return e.errors().stream().map(f -> f.field() + ": " + f.message()).toList();
        }
        throw new AssertionError("accepted: " + input.keySet());
    }

    /**
     * Issue 19's breaker: a LiveKit URL with {@code user:pw@} over a stored setting was answered "the URL host
     * changed" against the stored secrets. The URL's own fault is the one named; its secrets are not told to be
     * entered again for a destination that was never accepted. The same holds for every kind's destination field.
     */
    @Test
    void aRefusedDestinationIsNamedAloneNotAsAHostThatChanged() {
        SettingValues stored = check(ProviderKind.LIVEKIT, Map.of("url", "wss://livekit.example.com", "apiKey",
                "APIabc123", "apiSecret", "livekit-secret-0123456789")).values();
        stored.setSecretRef(SettingField.API_SECRET, UUID.randomUUID()); // as the save seals it
        try {
            SettingRules.check(ProviderKind.LIVEKIT, Map.of("url", "wss://user:pw@livekit.example.com", "apiKey",
                    "APIabc123",
                    "apiSecret", ""), stored);
            throw new AssertionError("a URL with a password was accepted");
        } catch (FieldErrors e) {
            assertThat(e.errors()).as("only the URL is at fault").extracting(f -> f.field()).containsExactly("url");
            assertThat(e.errors().get(0).message()).doesNotContain("host changed");
        }
        SettingValues llm = SettingRules.check(ProviderKind.LLM, Map.of("provider", "custom", "model", "m", "baseUrl",
                "https://llm.example.com/v1", "apiKey", "sk-custom-0123456789"), new SettingValues()).values();
        llm.setSecretRef(SettingField.API_KEY, UUID.randomUUID());
        try {
            SettingRules.check(ProviderKind.LLM, Map.of("provider", "custom", "model", "m", "baseUrl",
                    "https://me:secret@llm.example.com/v1", "apiKey", ""), llm);
            throw new AssertionError("a base URL with a password was accepted");
        } catch (FieldErrors e) {
            assertThat(e.errors()).extracting(f -> f.field()).containsExactly("baseUrl");
        }
    }

    @Test
    void liveKitUrlsAreCanonicalInEveryScheme() {
        for (String[] pair : new String[][] {{"wss://My-Project.LiveKit.Cloud", "wss://my-project.livekit.cloud"},
                {"WS://livekit:7880", "ws://livekit:7880"}, {"https://livekit.example.com/", "https://livekit.example.com/"},
                {" http://127.0.0.1:7880 ", "http://127.0.0.1:7880"}}) {
            SettingRules.Checked checked = check(ProviderKind.LIVEKIT,
                    Map.of("url", pair[0], "apiKey", "APIabc", "apiSecret", "secret"));
            assertThat(checked.values().url).isEqualTo(pair[1]);
            assertThat(checked.values().provider).as("the only provider is implied").isEqualTo("livekit");
        }
        assertThat(refused(ProviderKind.LIVEKIT, Map.of("url", "ftp://livekit.example.com", "apiKey", "k",
                "apiSecret", "s"))).containsExactly("url: must be a wss, ws, https or http URL");
        assertThat(refused(ProviderKind.LIVEKIT, Map.of("url", "wss://user:pw@livekit.example.com", "apiKey", "k",
                "apiSecret", "s"))).singleElement().asString().startsWith("url: must not contain a user name");
        // issue 19's breaker: a query (a token) was accepted, served as LIVEKIT_URL and audited in clear
        assertThat(refused(ProviderKind.LIVEKIT, Map.of("url", "wss://lk.example.com/?token=abc", "apiKey", "k",
                "apiSecret", "s"))).containsExactly("url: must not contain a query");
        assertThat(refused(ProviderKind.LIVEKIT, Map.of("url", "wss://livekit.example.com")))
                .containsExactlyInAnyOrder("apiKey: is required", "apiSecret: is required");
    }

    @Test
    void aStoredLiveKitSecretNeverFollowsANewHostButWsAndHttpOfOneHostAreOneOrigin() {
        SettingValues stored = check(ProviderKind.LIVEKIT, Map.of("url", "wss://livekit.example.com", "apiKey", "k",
                "apiSecret", "s")).values();
        stored.apiKeyId = UUID.randomUUID();
        stored.apiSecretId = UUID.randomUUID();
        // the same origin written another way (RFC 6455: wss is https's port 443) keeps the stored secrets
        SettingRules.check(ProviderKind.LIVEKIT, Map.of("url", "wss://livekit.example.com:443"), stored);
        assertThatThrownBy(() -> SettingRules.check(ProviderKind.LIVEKIT, Map.of("url", "wss://evil.example.com"),
                stored)).isInstanceOfSatisfying(FieldErrors.class, e -> assertThat(e.errors())
                        .extracting(FieldErrors.FieldError::field).containsExactlyInAnyOrder("apiKey", "apiSecret"));
    }

    /** Every rule of AWS's "General purpose bucket naming rules", one name breaking each. */
    @ParameterizedTest
    @ValueSource(strings = {"ab", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "Voice-Recordings", "voice_recordings", "-voice", "voice-",
            "voice..recordings", "192.168.5.4", "xn--voice", "sthree-voice", "amzn-s3-demo-voice", "voice-s3alias",
            "voice--ol-s3", "voice.mrap", "voice--x-s3", "voice--table-s3", "voice recordings"})
    void bucketNamesBreakingS3sRulesAreRefusedNamingBucket(String name) {
        assertThat(refused(ProviderKind.STORAGE, Map.of("provider", "s3", "bucket", name, "accessKey", "a",
                "secretKey", "b"))).singleElement().asString().startsWith("bucket: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "voice-recordings", "voice.recordings.2026",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1-2-3", "192.168.5"})
    void bucketNamesKeepingS3sRulesAreAccepted(String name) {
        assertThat(check(ProviderKind.STORAGE, Map.of("provider", "s3", "bucket", name, "accessKey", "a",
                "secretKey", "b")).values().bucket).isEqualTo(name);
    }

    @Test
    void minioNeedsItsEndpointAndS3DoesNot() {
        assertThat(refused(ProviderKind.STORAGE, Map.of("provider", "minio", "bucket", "voice", "accessKey", "a",
                "secretKey", "b"))).singleElement().asString().startsWith("endpoint: is required for MinIO");
        SettingRules.Checked s3 = check(ProviderKind.STORAGE, Map.of("provider", "S3", "bucket", "voice",
                "region", "eu-west-1", "accessKey", "AKIAEXAMPLE", "secretKey", "wJalr/K7MDENG+bPxRfiCY"));
        assertThat(s3.values().provider).isEqualTo("s3");
        assertThat(s3.values().endpoint).isNull();
        assertThat(s3.secrets()).containsOnlyKeys(SettingField.ACCESS_KEY, SettingField.SECRET_KEY);
        assertThat(s3.toString()).doesNotContain("wJalr");
        assertThat(refused(ProviderKind.STORAGE, Map.of("provider", "s3", "bucket", "voice", "region", "EU_West",
                "accessKey", "a", "secretKey", "b"))).containsExactly("region: must be a region code such as us-east-1");
        assertThat(refused(ProviderKind.STORAGE, Map.of("provider", "minio", "endpoint", "http://minio:9000?x=1",
                "bucket", "voice", "accessKey", "a", "secretKey", "b"))).containsExactly("endpoint: must not contain a query");
    }

    @Test
    void otlpProtocolsAreTheThreeTheSpecificationNames() {
        for (String protocol : List.of("grpc", "http/protobuf", "http/json", "HTTP/Protobuf")) {
            assertThat(check(ProviderKind.TRACING, Map.of("endpoint", "http://collector:4318", "protocol", protocol))
                    .values().protocol).isEqualTo(protocol.toLowerCase(java.util.Locale.ROOT));
        }
        for (String protocol : List.of("http", "grpc+tls", "http/protobuf/", "otlp")) {
            assertThat(refused(ProviderKind.TRACING, Map.of("endpoint", "http://collector:4318", "protocol", protocol)))
                    .containsExactly("protocol: must be one of grpc, http/protobuf, http/json");
        }
        assertThat(refused(ProviderKind.TRACING, Map.of("protocol", "grpc"))).containsExactly("endpoint: is required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"api-key=abc123", "Authorization=Basic%20dXNlcjpwYXNz", "a=1,b=2",
            "x-honeycomb-team=KEY,x-honeycomb-dataset=voice", "dd-api-key=a=b", "k=%2C%3B%22"})
    void otlpHeadersInTheExportersFormAreAcceptedAsTyped(String headers) {
        SettingRules.Checked checked = check(ProviderKind.TRACING, Map.of("endpoint", "http://collector:4318",
                "headers", headers));
        assertThat(checked.secrets()).containsEntry(SettingField.HEADERS, headers);
    }

    @ParameterizedTest
    @ValueSource(strings = {"api-key", "=abc", "a=", "a=1,", ",a=1", "a=1,,b=2", "a b=1", "a=1;b=2", "a=\"x\"",
            "a=x\\y", "a=%2", "a=%zz", "a=1,b"})
    void otlpHeadersOutOfTheFormAreRefusedNamingHeadersNeverQuotingThem(String headers) {
        List<String> refused = refused(ProviderKind.TRACING, Map.of("endpoint", "http://collector:4318",
                "headers", headers));
        assertThat(refused).singleElement().asString().startsWith("headers: ");
        String message = refused.get(0).substring("headers: ".length());
        if (headers.length() > 3) {
            assertThat(message).doesNotContain(headers);
        }
    }

    @Test
    void aSpaceInAHeaderValueSaysHowToWriteIt() {
        assertThat(refused(ProviderKind.TRACING, Map.of("endpoint", "http://collector:4318",
                "headers", "Authorization=Basic abc"))).containsExactly(
                        "headers: space at position 20: must not contain spaces; write a space in a header's value as %20");
    }

    @Test
    void aStoredVersionIsServableOnlyWithItsRequiredFields() {
        SettingValues storage = new SettingValues();
        storage.provider = "minio";
        assertThat(SettingRules.unservable(ProviderKind.STORAGE, storage))
                .containsOnlyKeys(SettingField.BUCKET, SettingField.ENDPOINT);
        storage.provider = "s3";
        assertThat(SettingRules.unservable(ProviderKind.STORAGE, storage)).containsOnlyKeys(SettingField.BUCKET);
        assertThat(SettingRules.unservable(ProviderKind.LIVEKIT, new SettingValues()))
                .containsOnlyKeys(SettingField.PROVIDER, SettingField.URL);
        SettingValues tracing = new SettingValues();
        tracing.provider = "otlp";
        tracing.endpoint = "http://collector:4318";
        assertThat(SettingRules.unservable(ProviderKind.TRACING, tracing)).isEmpty();
        for (SettingField field : ProviderKind.LIVEKIT.secretFields()) {
            assertThat(SettingRules.secretRequired(ProviderKind.LIVEKIT, field, "livekit", new SettingValues())).isTrue();
        }
        assertThat(SettingRules.secretRequired(ProviderKind.STORAGE, SettingField.ACCESS_KEY, "s3", storage)).isTrue();
        assertThat(SettingRules.secretRequired(ProviderKind.TRACING, SettingField.HEADERS, "otlp", tracing))
                .as("an OTLP collector may need no headers").isFalse();
    }

    @Test
    void eachFleetKindWritesItsDocumentedVariablesAndItsSecretsAreSecretNames() {
        Map<String, List<String>> written = new LinkedHashMap<>();
        ProviderEnvironment.FLEET_VARIABLES.forEach((kind, fields) -> written.put(kind.id(),
                fields.values().stream().flatMap(List::stream).toList()));
        assertThat(written).containsExactly(
                Map.entry("livekit", List.of("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET")),
                Map.entry("storage", List.of("STORAGE_PROVIDER", "STORAGE_ENDPOINT", "AWS_ENDPOINT_URL_S3",
                        "AWS_REGION", "STORAGE_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")),
                Map.entry("tracing", List.of("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
                        "OTEL_EXPORTER_OTLP_HEADERS")));
        written.values().forEach(names -> assertThat(ProviderEnvironment.MANAGED_NAMES).containsAll(names));
        for (String secret : List.of("LIVEKIT_API_KEY", "LIVEKIT_API_SECRET", "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY", "OTEL_EXPORTER_OTLP_HEADERS")) {
            assertThat(ProviderEnvironment.isSecretName(secret)).as(secret).isTrue();
        }
        for (String plain : List.of("LIVEKIT_URL", "STORAGE_PROVIDER", "STORAGE_ENDPOINT", "AWS_ENDPOINT_URL_S3",
                "AWS_REGION", "STORAGE_BUCKET", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
                "TWILIO_API_KEY")) {
            assertThat(ProviderEnvironment.isSecretName(plain)).as(plain).isFalse();
        }
    }

    @Test
    void fleetKindsHaveNoLiveCheckAndTheProviderKindsKeepTheirs() {
        assertThat(List.of(ProviderKind.values())).filteredOn(ProviderKind::liveCheck).containsExactly(
                ProviderKind.LLM, ProviderKind.STT, ProviderKind.TTS, ProviderKind.TELEPHONY);
        assertThat(ProviderKind.STORAGE.noLiveCheck()).isEqualTo("no live check for storage");
        assertThat(ProviderKind.TRACING.secretFields()).containsExactly(SettingField.HEADERS);
        assertThat(ProviderKind.STORAGE.purpose(SettingField.SECRET_KEY)).isEqualTo("provider_setting/storage/secret_key");
    }
}
