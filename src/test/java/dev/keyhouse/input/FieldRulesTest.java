package dev.keyhouse.input;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.keyhouse.web.FieldErrors;

/** The corpus of pasted values, per field type, against the one rules class. */
class FieldRulesTest {

    private static final String KEY = "sk-proj-0123456789abcdef";

    /**
     * Characters no one sees, one of each kind: every Unicode format character (Cf) kind that pastes carry, every
     * whitespace kind but the ASCII space, separators, controls, fillers, variation selectors, unassigned,
     * private-use and a lone surrogate.
     */
    static Stream<Integer> unseen() {
        return Stream.of(0x200B, 0x00A0, 0xFEFF, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x00AD, 0x061C, 0x180E,
                0x202A, 0x202E, 0x2066, 0x2069, 0xE0001, 0xE0020, 0xFFF9, 0x2028, 0x2029, 0x1680, 0x2000, 0x2007,
                0x2009, 0x200A, 0x202F, 0x205F, 0x3000, 0x0000, 0x0007, 0x001B, 0x007F, 0x0085, 0x009F, 0x3164,
                0x115F, 0xFFA0, 0x034F, 0xFE0F, 0xE0100, 0x0378, 0xE000, 0xF0000, 0xD800);
    }

    /** Every type refuses every unseen character, wherever it is, naming its 1-based position and code point. */
    @ParameterizedTest
    @MethodSource("unseen")
    void everyTypeRefusesAnUnseenCharacterNamingPositionAndCodePoint(int c) {
        String hex = String.format(Locale.ROOT, "U+%04X", c);
        String character = new String(Character.toChars(c));
        List<String[]> samples = List.of(
                new String[] {"SECRET", KEY},
                new String[] {"IDENTIFIER", "gpt-4o-mini"},
                new String[] {"URL", "http://local_llm:11434/v1"},
                new String[] {"PHONE", "+14155550100"},
                new String[] {"TEXT", "systemctl restart voxcore"});
        for (String[] sample : samples) {
            FieldType type = FieldType.valueOf(sample[0]);
            String good = sample[1];
            int middle = good.length() / 2;
            for (int at : new int[] {0, middle, good.length()}) {
                String value = good.substring(0, at) + character + good.substring(at);
                FieldRules.Cleaned cleaned = FieldRules.clean(type, value);
                assertThat(cleaned.ok()).as("%s with %s at %d", type, hex, at).isFalse();
                assertThat(cleaned.value()).isNull();
                assertThat(cleaned.problem()).as("%s with %s at %d", type, hex, at)
                        .contains(hex + (c == 0xD800 || c == 0x0378 || c >= 0xE000 && c <= 0xF8FF || c >= 0xF0000 ? ""
                                : " ("))
                        .contains("at position " + (at + 1))
                        .doesNotContain(good);
            }
        }
    }

    /** The issue's examples, in a secret: zero-width space, no-break space, leading BOM. */
    @Test
    void theIssuesSecretExamplesAreRefusedWithTheirPosition() {
        assertThat(FieldRules.clean(FieldType.SECRET, "sk-proj-012\u200B3456789abcdef").problem())
                .isEqualTo("invisible character U+200B (zero width space) at position 12");
        assertThat(FieldRules.clean(FieldType.SECRET, KEY + "\u00A0").problem())
                .isEqualTo("non-ASCII space U+00A0 (no-break space) at position 25");
        assertThat(FieldRules.clean(FieldType.SECRET, "\uFEFF" + KEY).problem())
                .isEqualTo("invisible character U+FEFF (zero width no-break space) at position 1");
        // positions count what was submitted, trimmed ends included
        assertThat(FieldRules.clean(FieldType.SECRET, "  sk\u2060x").problem())
                .isEqualTo("invisible character U+2060 (word joiner) at position 5");
        // and count characters, not UTF-16 units
        assertThat(FieldRules.clean(FieldType.TEXT, "\uD83D\uDE00\u200B").problem())
                .isEqualTo("invisible character U+200B (zero width space) at position 2");
    }

    /** U+FFFD is what a decoder leaves where bytes were not UTF-8 (a Latin-1 form): not what anyone typed. */
    @Test
    void aReplacementCharacterIsRefusedAsNonUtf8Input() {
        for (FieldType type : FieldType.values()) {
            assertThat(FieldRules.clean(type, "ab\uFFFDc").problem()).as(type.name())
                    .isEqualTo("non-UTF-8 input U+FFFD (replacement character) at position 3");
        }
    }

    static Stream<Arguments> secrets() {
        return Stream.of(
                Arguments.of(KEY, KEY),
                Arguments.of("  " + KEY + " \t", KEY),
                Arguments.of(KEY + "\n", KEY),
                Arguments.of("\r\n" + KEY + "\r\n", KEY),
                Arguments.of("a\\b\"c'd$e`f#g=h%i", "a\\b\"c'd$e`f#g=h%i"),
                Arguments.of("!~", "!~"),
                Arguments.of("", null),
                Arguments.of(" \t\r\n", null),
                Arguments.of(null, null));
    }

    @ParameterizedTest
    @MethodSource("secrets")
    void secretsKeepEveryPrintableAsciiCharacterAndLoseOnlyAsciiWhitespaceAtTheEnds(String raw, String expected) {
        FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.SECRET, raw);
        assertThat(cleaned.ok()).isTrue();
        assertThat(cleaned.value()).isEqualTo(expected);
    }

    static Stream<Arguments> refusedSecrets() {
        return Stream.of(
                Arguments.of("sk-a b", "space at position 5: must not contain spaces"),
                Arguments.of("sk-a\tb", "control character U+0009 (character tabulation) at position 5"),
                Arguments.of("sk-a\nb", "control character U+000A (line feed (lf)) at position 5"),
                Arguments.of("sk-é", "non-ASCII character U+00E9 at position 4: keys are sent in HTTP headers,"
                        + " which carry ASCII only"),
                Arguments.of("sk-\uFF21", "non-ASCII character U+FF21 at position 4"),
                Arguments.of("sk-\uD83D\uDD11", "non-ASCII character U+1F511 at position 4"),
                Arguments.of("sk-\u0430bc", "non-ASCII character U+0430 at position 4"));
    }

    @ParameterizedTest
    @MethodSource("refusedSecrets")
    void secretsRefuseSpacesInsideAndVisibleNonAsciiWithoutEchoingTheValue(String raw, String problem) {
        FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.SECRET, raw);
        assertThat(cleaned.problem()).startsWith(problem).doesNotContain("sk-");
        assertThat(cleaned.value()).isNull();
        assertThat(cleaned.toString()).doesNotContain("sk-");
    }

    @Test
    void anAcceptedSecretIsNotInToString() {
        assertThat(FieldRules.clean(FieldType.SECRET, KEY).toString()).doesNotContain(KEY).contains("24 characters");
    }

    static Stream<Arguments> urls() {
        return Stream.of(
                // the issue's example: a Compose service name with an underscore
                Arguments.of("http://local_llm:11434/v1", "http://local_llm:11434/v1"),
                Arguments.of("HTTP://Local_LLM:11434/v1", "http://local_llm:11434/v1"),
                Arguments.of("  https://API.OpenAI.com/v1 \n", "https://api.openai.com/v1"),
                Arguments.of("https://api.openai.com/v1/", "https://api.openai.com/v1/"),
                Arguments.of("https://api.openai.com", "https://api.openai.com"),
                Arguments.of("https://api.openai.com/", "https://api.openai.com/"),
                Arguments.of("http://ollama:011434/v1", "http://ollama:11434/v1"),
                Arguments.of("http://ollama:80/v1", "http://ollama:80/v1"),
                Arguments.of("http://[::1]:8080/v1", "http://[::1]:8080/v1"),
                Arguments.of("http://[FD00::ABCD]/v1", "http://[fd00::abcd]/v1"),
                Arguments.of("http://10.0.0.7:8000/v1", "http://10.0.0.7:8000/v1"),
                Arguments.of("http://localhost:1234", "http://localhost:1234"),
                Arguments.of("http://my-llm.internal./v1", "http://my-llm.internal./v1"),
                Arguments.of("http://_gateway/v1", "http://_gateway/v1"),
                Arguments.of("https://llm.example.com/v1/Models/../x", "https://llm.example.com/v1/Models/../x"),
                Arguments.of("https://llm.example.com/a%2fb?x=%7e", "https://llm.example.com/a%2Fb?x=%7E"),
                Arguments.of("https://llm.example.com/v1?api-version=2024-10-21",
                        "https://llm.example.com/v1?api-version=2024-10-21"),
                Arguments.of("https://llm.example.com/modèle", "https://llm.example.com/mod%C3%A8le"),
                Arguments.of("https://bücher.example/v1", "https://xn--bcher-kva.example/v1"),
                Arguments.of("https://llm.example.com/v1;x=1/a:b@c!$&'()*+,=~", "https://llm.example.com/v1;x=1/a:b@c!$&'()*+,=~"));
    }

    @ParameterizedTest
    @MethodSource("urls")
    void urlsAreAcceptedAsClientsAcceptThemAndStoredCanonically(String raw, String canonical) {
        FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.URL, raw);
        assertThat(cleaned.problem()).isNull();
        assertThat(cleaned.value()).isEqualTo(canonical);
        assertThat(FieldRules.clean(FieldType.URL, canonical).value()).as("canonical is a fixed point")
                .isEqualTo(canonical);
    }

    static Stream<Arguments> refusedUrls() {
        return Stream.of(
                Arguments.of("ftp://example.com/v1", "must be an http or https URL"),
                Arguments.of("file:///etc/passwd", "must be an http or https URL"),
                Arguments.of("javascript:alert(1)", "must be an http or https URL"),
                Arguments.of("not a url", "must be a valid http or https URL"),
                Arguments.of("api.openai.com/v1", "must be a valid http or https URL"),
                Arguments.of("//api.openai.com/v1", "must be a valid http or https URL"),
                Arguments.of("https://", "must be an http or https URL with a host"),
                Arguments.of("https:///v1", "must be an http or https URL with a host"),
                Arguments.of("https:api.openai.com", "must be an http or https URL with a host"),
                Arguments.of("http://:8080/v1", "must be an http or https URL with a host"),
                Arguments.of("https://user:pw@llm.example.com/v1", "must not contain a user name or password"),
                Arguments.of("https://user@llm.example.com/v1", "must not contain a user name or password"),
                Arguments.of("https://llm.example.com/v1#frag", "must not contain a #fragment"),
                Arguments.of("http://local llm/v1", "space at position 13"),
                Arguments.of("http://llm/v 1", "space at position 13"),
                Arguments.of("http://llm:0/v1", "port that is not a number from 1 to 65535"),
                Arguments.of("http://llm:65536/v1", "port that is not a number from 1 to 65535"),
                Arguments.of("http://llm:99999999999/v1", "port that is not a number from 1 to 65535"),
                Arguments.of("http://llm:http/v1", "port that is not a number from 1 to 65535"),
                Arguments.of("http://llm:/v1", "port that is not a number from 1 to 65535"),
                Arguments.of("http://::1/v1", "IPv6 address in brackets"),
                Arguments.of("http://[::1/v1", "without its closing ]"),
                Arguments.of("http://[::g]/v1", "invalid IPv6 address"),
                Arguments.of("http://[fe80::1%25eth0]/v1", "invalid IPv6 address"),
                Arguments.of("http://[::1]x/v1", "only :port may follow it"),
                Arguments.of("http://-llm/v1", "invalid host"),
                Arguments.of("http://llm..example/v1", "invalid host"),
                Arguments.of("http://ll%6D/v1", "invalid host"),
                Arguments.of("http://300.1.1.1/v1", "not a valid IPv4 address"),
                Arguments.of("http://1.2.3/v1", "not a valid IPv4 address"),
                Arguments.of("http://" + "a".repeat(64) + "/v1", "invalid host"),
                Arguments.of("http://llm\\v1", "character '\\' at position 11"),
                Arguments.of("http://llm/v1/{model}", "character '{' at position 15"),
                Arguments.of("http://llm/v1|x", "character '|' at position 14"),
                Arguments.of("http://llm/v1%zz", "'%' at position 14 must start an escape"),
                Arguments.of("http://llm/v1%2", "'%' at position 14 must start an escape"));
    }

    @ParameterizedTest
    @MethodSource("refusedUrls")
    void urlsClientsWouldMisreadAreRefused(String raw, String problem) {
        FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.URL, raw);
        assertThat(cleaned.ok()).as(raw).isFalse();
        assertThat(cleaned.problem()).contains(problem);
        if (raw.contains("pw@")) {
            assertThat(cleaned.problem()).doesNotContain("pw");
        }
    }

    /**
     * A WebSocket URL (a LiveKit server's): every http/https URL is one, canonical the same way, and ws/wss too
     * (RFC 6455 section 3: the http URL's syntax); every refusal of an http URL refuses it too.
     */
    @ParameterizedTest
    @MethodSource("urls")
    void websocketUrlsAcceptEveryHttpUrlCanonicallyAndTheWsSchemes(String raw, String canonical) {
        assertThat(FieldRules.clean(FieldType.WEBSOCKET_URL, raw).value()).isEqualTo(canonical);
        String ws = canonical.replaceFirst("^http", "ws");
        assertThat(FieldRules.clean(FieldType.WEBSOCKET_URL, raw.replaceFirst("(?i)^( *)http", "$1ws")).value())
                .as("the same URL as ws/wss").isEqualTo(ws);
        assertThat(FieldRules.clean(FieldType.URL, ws).problem()).as("a plain URL field still refuses ws")
                .isEqualTo("must be an http or https URL");
    }

    @ParameterizedTest
    @MethodSource("refusedUrls")
    void websocketUrlsRefuseWhatUrlsRefuse(String raw, String problem) {
        FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.WEBSOCKET_URL, raw);
        assertThat(cleaned.ok()).as(raw).isFalse();
        assertThat(cleaned.problem()).contains(problem.replace("an http or https URL", "a wss, ws, https or http URL")
                .replace("valid http or https URL", "valid wss, ws, https or http URL"));
    }

    static Stream<Arguments> identifiers() {
        return Stream.of(
                Arguments.of("gpt-4o-mini", "gpt-4o-mini"),
                Arguments.of(" claude-3-5-haiku-latest\n", "claude-3-5-haiku-latest"),
                Arguments.of("accounts/fireworks/models/llama-v3p1-8b", "accounts/fireworks/models/llama-v3p1-8b"),
                Arguments.of("llama3.1:8b", "llama3.1:8b"),
                Arguments.of("en-US", "en-US"),
                Arguments.of("AC0123456789abcdef0123456789abcdef", "AC0123456789abcdef0123456789abcdef"));
    }

    @ParameterizedTest
    @MethodSource("identifiers")
    void identifiersArePrintableAsciiTrimmed(String raw, String expected) {
        assertThat(FieldRules.clean(FieldType.IDENTIFIER, raw).value()).isEqualTo(expected);
    }

    @Test
    void identifiersRefuseSpacesAndNonAscii() {
        assertThat(FieldRules.clean(FieldType.IDENTIFIER, "gpt 4o").problem())
                .isEqualTo("space at position 4: must not contain spaces");
        assertThat(FieldRules.clean(FieldType.IDENTIFIER, "modèle").problem())
                .isEqualTo("non-ASCII character U+00E8 at position 4: names and codes are ASCII");
        assertThat(FieldRules.clean(FieldType.IDENTIFIER, "gpt\u0007").problem())
                .isEqualTo("control character U+0007 (bel) at position 4");
    }

    static Stream<Arguments> phones() {
        return Stream.of(
                Arguments.of("+14155550100", "+14155550100"),
                Arguments.of(" +1 415 555 0100 ", "+14155550100"),
                Arguments.of("+1 (415) 555-0100", "+14155550100"),
                Arguments.of("+44 20.7946.0000", "+442079460000"),
                Arguments.of("whatsapp:+1 415 555 0101", "whatsapp:+14155550101"),
                Arguments.of("WhatsApp:+14155550101", "whatsapp:+14155550101"),
                // not a phone number: left for the field's pattern to refuse by name
                Arguments.of("02079460000", "02079460000"),
                Arguments.of("+1415abc", "+1415abc"));
    }

    @ParameterizedTest
    @MethodSource("phones")
    void phoneNumbersLoseTheirVisibleSeparators(String raw, String expected) {
        assertThat(FieldRules.clean(FieldType.PHONE, raw).value()).isEqualTo(expected);
    }

    @Test
    void phoneNumbersRefuseInvisibleMarksAndNonAsciiDigits() {
        // a left-to-right mark, as numbers copied from web pages and chat apps often carry
        assertThat(FieldRules.clean(FieldType.PHONE, "\u200E+14155550100").problem())
                .isEqualTo("invisible character U+200E (left-to-right mark) at position 1");
        assertThat(FieldRules.clean(FieldType.PHONE, "+1\u00A0415").problem())
                .isEqualTo("non-ASCII space U+00A0 (no-break space) at position 3");
        assertThat(FieldRules.clean(FieldType.PHONE, "+\uFF11415").problem())
                .isEqualTo("non-ASCII character U+FF11 at position 2: use the digits 0 to 9");
    }

    @Test
    void textKeepsTabsLineBreaksAndVisibleUnicodeButNothingInvisible() {
        assertThat(FieldRules.clean(FieldType.TEXT, "  a\tb\nc\r\nd  ").value()).isEqualTo("a\tb\nc\r\nd");
        assertThat(FieldRules.clean(FieldType.TEXT, "/srv/données/ключ env").value()).isEqualTo("/srv/données/ключ env");
        assertThat(FieldRules.clean(FieldType.TEXT, "a\u000Bb").problem())
                .isEqualTo("control character U+000B (line tabulation) at position 2");
    }

    /** Unset is null, never an error, for every type. */
    @ParameterizedTest
    @EnumSource(FieldType.class)
    void blankIsUnset(FieldType type) {
        for (String blank : new String[] {null, "", " ", "\t\r\n "}) {
            FieldRules.Cleaned cleaned = FieldRules.clean(type, blank);
            assertThat(cleaned.ok()).isTrue();
            assertThat(cleaned.value()).isNull();
        }
    }

    @Test
    void theFieldErrorsFormNamesTheField() {
        FieldErrors errors = new FieldErrors();
        assertThat(FieldRules.clean(FieldType.SECRET, "apiKey", "sk-proj-012\u200B3456789abcdef", errors)).isNull();
        assertThat(FieldRules.clean(FieldType.URL, "baseUrl", "HTTP://Local_LLM:11434/v1", errors))
                .isEqualTo("http://local_llm:11434/v1");
        assertThat(errors.errors()).containsExactly(new FieldErrors.FieldError("apiKey",
                "invisible character U+200B (zero width space) at position 12"));
        assertThat(errors.getMessage()).isEqualTo("apiKey invisible character U+200B (zero width space) at position 12");
    }
}
