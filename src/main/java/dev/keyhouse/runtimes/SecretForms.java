package dev.keyhouse.runtimes;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import dev.keyhouse.config.EnvFileDialect;

/**
 * Every form in which a secret value can reach text an operator or a log reads, because Keyhouse itself writes it
 * that way or hands it to something that does:
 * <ul>
 * <li>as is;</li>
 * <li>as an env-file line holds it between double quotes ({@link EnvFileDialect#escapeDoubleQuoted});</li>
 * <li>JSON-escaped (RFC 8259 §7) as Jackson writes it, and with every non-ASCII character as {@code \}{@code uXXXX}
 * in either case of hex, as other serialisers do (Python's {@code json.dumps}, for one), and with {@code /} as
 * {@code \/};</li>
 * <li>each of those HTML-escaped, as a page shows it ({@code &amp;quot;} or {@code &amp;#34;} for a quote);</li>
 * <li>percent-encoded (RFC 3986 §2.1, either case of hex) and form-encoded ({@code +} for a space, as
 * {@code application/x-www-form-urlencoded});</li>
 * <li>base64 and base64url (RFC 4648 §4, §5) of the value, of its env-file escaping and of its JSON escaping (a
 * whole environment file or JSON body base64'd), padded and not, and the run of characters that encodes each
 * wherever it sits inside a longer base64 text (a Basic {@code Authorization} header's {@code user:secret}, a
 * Kubernetes Secret's {@code data}): one run per alignment of its first byte in a 3-byte group.</li>
 * </ul>
 */
public final class SecretForms {

    private SecretForms() {
    }

    /** The distinct forms of {@code value}, the value itself first; forms shorter than {@code minLength} left out. */
    public static Set<String> of(String value, int minLength) {
        Set<String> forms = new LinkedHashSet<>();
        forms.add(value);
        forms.add(EnvFileDialect.escapeDoubleQuoted(value));
        String json = new String(JsonStringEncoder.getInstance().quoteAsString(value));
        forms.add(json);
        forms.add(asciiJson(json, false));
        forms.add(asciiJson(json, true));
        for (String escaped : java.util.List.copyOf(forms)) {
            // JSON may escape a solidus (RFC 8259 §7: \/), as PHP's json_encode does
            forms.add(escaped.replace("/", "\\/"));
        }
        for (String escaped : java.util.List.copyOf(forms)) {
            // as a page shows it: HTML-escaped, with the entities escapers use for quotes
            forms.add(html(escaped, "&quot;", "&#39;"));
            forms.add(html(escaped, "&#34;", "&#x27;"));
        }
        String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
        forms.add(form);
        forms.add(lowerHexEscapes(form));
        String percent = form.replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
        forms.add(percent);
        forms.add(lowerHexEscapes(percent));
        // base64 of the value as it is and as the files Keyhouse writes hold it (an environment file base64'd whole
        // carries the escaped form; runtime-config's JSON the JSON-escaped one)
        for (String text : new LinkedHashSet<>(java.util.List.of(value, EnvFileDialect.escapeDoubleQuoted(value), json))) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            for (Base64.Encoder encoder : new Base64.Encoder[] {Base64.getEncoder(), Base64.getUrlEncoder()}) {
                forms.add(encoder.encodeToString(bytes));
                forms.add(encoder.withoutPadding().encodeToString(bytes));
                for (int offset = 0; offset < 3; offset++) {
                    forms.add(base64Run(encoder.withoutPadding(), bytes, offset));
                }
            }
        }
        forms.removeIf(f -> f.length() < minLength);
        return forms;
    }

    /** The characters that encode only {@code bytes} when {@code offset} bytes precede them in their 3-byte group. */
    static String base64Run(Base64.Encoder encoder, byte[] bytes, int offset) {
        byte[] padded = new byte[offset + bytes.length];
        System.arraycopy(bytes, 0, padded, offset, bytes.length);
        String encoded = encoder.encodeToString(padded);
        int first = (8 * offset + 5) / 6;
        int end = 8 * (offset + bytes.length) / 6;
        return end > first ? encoded.substring(first, end) : "";
    }

    private static String html(String text, String quote, String apostrophe) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", quote)
                .replace("'", apostrophe);
    }

    private static String asciiJson(String json, boolean upper) {
        StringBuilder out = new StringBuilder(json.length());
        json.codePoints().forEach(cp -> {
            if (cp < 0x80) {
                out.appendCodePoint(cp);
            } else {
                for (char c : Character.toChars(cp)) {
                    String hex = String.format("%04x", (int) c);
                    out.append("\\u").append(upper ? hex.toUpperCase(Locale.ROOT) : hex);
                }
            }
        });
        return out.toString();
    }

    private static String lowerHexEscapes(String encoded) {
        StringBuilder out = new StringBuilder(encoded);
        for (int i = 0; i + 2 < encoded.length(); i++) {
            if (encoded.charAt(i) == '%') {
                out.setCharAt(i + 1, Character.toLowerCase(encoded.charAt(i + 1)));
                out.setCharAt(i + 2, Character.toLowerCase(encoded.charAt(i + 2)));
            }
        }
        return out.toString();
    }
}
