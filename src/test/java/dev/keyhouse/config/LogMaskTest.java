package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.logging.Level;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

/** {@link LogMask}: what it masks in a record's message, parameters and exceptions, and what it leaves alone. */
class LogMaskTest {

    private static final String KEY = "dGVzdC1sb2ctbWFzay1rZXktMzItYnl0ZXMtbG9uZyE=";
    private static final String PASSWORD = "log-Mask-password-71";
    private static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
    private final LogMask mask = new LogMask(List.of(KEY, PASSWORD));

    @Test
    void tokensByShapeAreMasked() {
        assertThat(mask.mask("token " + JWT + " rejected")).isEqualTo("token [masked] rejected");
        assertThat(mask.mask("alg none: eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.")).isEqualTo("alg none: [masked]");
        assertThat(mask.mask("JsonWebSignature{...}->" + JWT + "]")).isEqualTo("JsonWebSignature{...}->[masked]]");
        assertThat(mask.mask("api token kh_AbCdEfGh12345678_-x9 used")).isEqualTo("api token kh_[masked] used");
        assertThat(mask.mask("hint kh_AbCd")).as("a four-character hint is no token").isEqualTo("hint kh_AbCd");
        assertThat(mask.mask("Authorization: Bearer some-opaque-runtime-token"))
                .isEqualTo("Authorization: Bearer [masked]");
        assertThat(mask.mask("Authorization: basic dXNlcjpwYXNzd29yZA==")).isEqualTo("Authorization: basic [masked]");
    }

    @Test
    void credentialFieldsAreMaskedInJsonAndForms() {
        assertThat(mask.mask("{\"email\":\"a@b.test\",\"password\":\"hunter2-x\"}"))
                .isEqualTo("{\"email\":\"a@b.test\",\"password\":\"[masked]\"}");
        assertThat(mask.mask("email=a%40b.test&password=hunter2&next=/admin"))
                .isEqualTo("email=a%40b.test&password=[masked]&next=/admin");
        assertThat(mask.mask("{\"access_token\": \"abc.def\", \"token_type\":\"Bearer\"}"))
                .contains("\"access_token\": \"[masked]\"").contains("\"token_type\":\"Bearer\"");
        assertThat(mask.mask("apiKey=sk-123456")).isEqualTo("apiKey=[masked]");
        assertThat(mask.mask("{\"apiKeySid\":\"SK01\",\"apiSecret\":\"tw-secret-9\"}"))
                .isEqualTo("{\"apiKeySid\":\"SK01\",\"apiSecret\":\"[masked]\"}");
        assertThat(mask.mask("apiSecret=tw-secret-9&api_secret=x1")).isEqualTo("apiSecret=[masked]&api_secret=[masked]");
        assertThat(mask.mask("tokenCookieName = keyhouse_session")).isEqualTo("tokenCookieName = keyhouse_session");
    }

    @Test
    void bodyTextThatParsersQuoteIsMasked() {
        String secret = "Correct9HorseBatteryZebraUnquoted";
        for (String message : List.of(
                "Unrecognized token '" + secret + "': was expecting (JSON String, Number, Array, Object or token"
                        + " 'null', 'true' or 'false')\n at [Source: REDACTED; line: 1, column: 60]",
                "Unrecognized token 'Correct9Horse\\'Battery': was expecting ('true', 'false' or 'null')",
                "Unexpected character ('" + secret.charAt(0) + "' (code 67)): was expecting double-quote",
                "Cannot deserialize value of type `java.lang.Boolean` from String \"" + secret + "\": only \"true\"",
                "Unexpected end-of-input\n at [Source: (byte[])\"{\"password\":" + secret + "]\"; line: 1, column: 9]",
                "at [Source: (String)\"{\"apiKey\": " + secret,
                "Failed to decode URL email=a%40b&password=" + secret + "%zz to UTF-8")) {
            String masked = mask.mask(message);
            assertThat(masked).as(message).doesNotContain(secret).doesNotContain("Correct9Horse").contains("[masked]");
        }
        assertThat(mask.mask("Unrecognized token 'abc': was expecting"))
                .isEqualTo("Unrecognized token '[masked]': was expecting");
        assertThat(mask.mask("Unexpected character ('x' (code 120))")).isEqualTo("Unexpected character ('[masked]' (code 120))");
        assertThat(mask.mask("at [Source: (String)\"{}]\"; line: 1, column: 2]"))
                .isEqualTo("at [Source: [masked]; line: 1, column: 2]");
    }

    @Test
    void configuredSecretsAreMaskedInEveryForm() {
        assertThat(mask.mask("key " + KEY)).isEqualTo("key [masked]");
        String base64 = Base64.getEncoder().encodeToString(PASSWORD.getBytes(StandardCharsets.UTF_8));
        assertThat(mask.mask("header " + base64)).doesNotContain(base64);
        assertThat(mask.mask("typed " + PASSWORD.replace("-", "%2D"))).doesNotContain(PASSWORD);
        assertThat(mask.mask("sign-in failed for admin@keyhouse.test from 127.0.0.1"))
                .isEqualTo("sign-in failed for admin@keyhouse.test from 127.0.0.1");
    }

    @Test
    void aRecordsFormattedMessageParametersAndExceptionsAreMasked() {
        ExtLogRecord record = new ExtLogRecord(Level.FINE, "rejected %s for %s", ExtLogRecord.FormatStyle.PRINTF,
                LogMaskTest.class.getName());
        record.setParameters(new Object[] {JWT, "admin"});
        IllegalStateException cause = new IllegalStateException("bad password " + PASSWORD);
        RuntimeException thrown = new RuntimeException("Invalid JWS: " + JWT, cause);
        record.setThrown(thrown);
        assertThat(mask.isLoggable(record)).as("a record is never dropped").isTrue();
        assertThat(record.getFormattedMessage()).isEqualTo("rejected [masked] for admin");
        assertThat(record.getParameters()).isNull();
        assertThat(record.getThrown().toString()).isEqualTo("java.lang.RuntimeException: Invalid JWS: [masked]");
        assertThat(record.getThrown().getCause().toString())
                .isEqualTo("java.lang.IllegalStateException: bad password [masked]");
        assertThat(record.getThrown().getStackTrace()).isEqualTo(thrown.getStackTrace());

        ExtLogRecord clean = new ExtLogRecord(Level.INFO, "nothing secret %s", ExtLogRecord.FormatStyle.PRINTF, "x");
        clean.setParameters(new Object[] {"here"});
        IllegalStateException plain = new IllegalStateException("plain");
        clean.setThrown(plain);
        mask.isLoggable(clean);
        assertThat(clean.getFormattedMessage()).isEqualTo("nothing secret here");
        assertThat(clean.getThrown()).isSameAs(plain);
    }

    /** A proxy URL's (or database URL's) user info and password are masked on their own too, raw and decoded. */
    @Test
    void aUrlsUserInfoAndPasswordAreMaskedOnTheirOwn() {
        String url = "http://kh-egress:Pr0xy%40pass-w0rd@squid.internal:3128";
        assertThat(LogMask.userInfo(url)).containsExactly("kh-egress:Pr0xy%40pass-w0rd", "Pr0xy%40pass-w0rd",
                "Pr0xy@pass-w0rd");
        assertThat(LogMask.userInfo("http://squid.internal:3128")).isEmpty();
        assertThat(LogMask.userInfo("not a url %")).isEmpty();
        java.util.List<String> values = new java.util.ArrayList<>(java.util.List.of(url));
        values.addAll(LogMask.userInfo(url));
        LogMask mask = new LogMask(values);
        assertThat(mask.mask("proxy said no to Pr0xy@pass-w0rd and kh-egress:Pr0xy%40pass-w0rd at " + url))
                .doesNotContain("Pr0xy").contains("[masked]");
    }

    /**
     * Issue 20 (follow-up, point 1): a Keyhouse record quoting text from outside — a command's output, an upstream's
     * answer — stays one line with no control character, its exceptions' messages too, and is bounded; a framework
     * logger's record keeps its lines (only Keyhouse's own text is in Keyhouse's hands).
     */
    @Test
    void aKeyhouseRecordIsOneLineWithoutControlCharactersAndBounded() {
        String forged = "ok\n2026-12-01 INFO [dev.keyhouse.auth.SignIn] forged\r\n\u001b[31mred\u0000\u2028x\u202Eevil\tend";
        ExtLogRecord record = new ExtLogRecord(Level.INFO, "restart failed: %s", ExtLogRecord.FormatStyle.PRINTF,
                LogMaskTest.class.getName());
        record.setLoggerName("dev.keyhouse.runtimes.RestartExecutor");
        record.setParameters(new Object[] {forged + " " + PASSWORD});
        record.setThrown(new IllegalStateException("command exited with code 1; last output:\n" + forged,
                new RuntimeException("second\nline")));
        mask.isLoggable(record);
        String oneLine = "ok\\n2026-12-01 INFO [dev.keyhouse.auth.SignIn] forged\\n[31mred\\nxevil end";
        assertThat(record.getFormattedMessage()).isEqualTo("restart failed: " + oneLine + " [masked]");
        assertThat(record.getThrown().toString()).isEqualTo(
                "java.lang.IllegalStateException: command exited with code 1; last output:\\n" + oneLine);
        assertThat(record.getThrown().getCause().toString()).isEqualTo("java.lang.RuntimeException: second\\nline");

        // a copy the restart executor made already is not named twice
        Throwable copied = LogMask.MaskedThrowable.of(new IllegalStateException("a\nb " + PASSWORD), mask::mask);
        ExtLogRecord again = new ExtLogRecord(Level.INFO, "x", LogMaskTest.class.getName());
        again.setLoggerName("dev.keyhouse.runtimes.RestartExecutor");
        again.setThrown(copied);
        mask.isLoggable(again);
        assertThat(again.getThrown().toString()).isEqualTo("java.lang.IllegalStateException: a\\nb [masked]");

        ExtLogRecord longOne = new ExtLogRecord(Level.INFO, "x".repeat(LogText.MAX_MESSAGE * 2),
                LogMaskTest.class.getName());
        longOne.setLoggerName("dev.keyhouse.settings.VaultWatch");
        mask.isLoggable(longOne);
        assertThat(longOne.getFormattedMessage()).hasSize(LogText.MAX_MESSAGE).endsWith("x…");

        ExtLogRecord framework = new ExtLogRecord(Level.INFO, "line one\nline two", LogMaskTest.class.getName());
        framework.setLoggerName("io.quarkus.runtime.Startup");
        mask.isLoggable(framework);
        assertThat(framework.getFormattedMessage()).isEqualTo("line one\nline two");
    }

    @Test
    void logTextKeepsPrintableTextAndCutsOnACharacter() {
        assertThat(LogText.line("plain words: a=b, é ü 日本", 100)).isEqualTo("plain words: a=b, é ü 日本");
        assertThat(LogText.line(null, 10)).isNull();
        assertThat(LogText.line("abcdef", 4)).isEqualTo("abc…");
        assertThat(LogText.line("ab\uD83D\uDE00cd", 4)).as("no half of a surrogate pair").isEqualTo("ab…");
        assertThat(LogText.line("a\r\nb\rc\u0085d", 100)).isEqualTo("a\\nb\\nc\\nd");
    }
}
