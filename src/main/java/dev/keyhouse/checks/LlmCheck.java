package dev.keyhouse.checks;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import dev.keyhouse.settings.ProviderKind;

/** What the LLM providers' checks share: the kind, the fields they read, the headers they send, the status fallback. */
abstract class LlmCheck implements ProviderCheck {

    /**
     * A provider's error code as the LLM providers write them: words of one case joined by {@code _}
     * ({@code invalid_api_key}, {@code API_KEY_INVALID}), at most 24 letters a word. Every LLM key shape fails it (a
     * {@code sk-} prefix, digits, mixed case as in {@code AIza}), so a key echoed into a code field is never kept,
     * whatever {@link Verdict} would let through.
     */
    private static final Pattern CODE = Pattern.compile("[a-z]{1,24}(_[a-z]{1,24})*|[A-Z]{1,24}(_[A-Z]{1,24})*");

    private final Set<String> providers;

    LlmCheck(String... providers) {
        this.providers = Set.of(providers);
    }

    @Override
    public ProviderKind kind() {
        return ProviderKind.LLM;
    }

    @Override
    public Set<String> providers() {
        return providers;
    }

    /**
     * A field's value.
     *
     * @throws IllegalArgumentException naming the field (never a value) when it is unset
     */
    static String required(CheckTarget target, String field) {
        String value = target.value(field);
        if (value == null) {
            throw new IllegalArgumentException(field + " is not set");
        }
        return value;
    }

    /**
     * The text at {@code path} in an answer as a code: kept only when it is shaped like one ({@link #CODE}), else
     * null.
     */
    static String code(JsonNode body, String... path) {
        return code(Answers.text(body, path));
    }

    /** {@code text} when it is shaped like a provider's code ({@link #CODE}), else null. */
    static String code(String text) {
        return text != null && CODE.matcher(text).matches() ? text : null;
    }

    /** {@code name: value} (the key's header) and {@code Accept: application/json}, in that order, to add to. */
    static Map<String, String> headers(String name, String value) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(name, value);
        headers.put("Accept", "application/json");
        return headers;
    }

    /**
     * The verdict of an error status alone, for a provider whose body names no more (or an answer that is not the
     * provider's JSON): 401 invalid key, 402 no credit, 403 forbidden, 429 rate limited, anything else unexpected.
     */
    static Verdict byStatus(int status, String code) {
        CheckResult result = switch (status) {
            case 401 -> CheckResult.INVALID_KEY;
            case 402 -> CheckResult.NO_CREDIT;
            case 403 -> CheckResult.FORBIDDEN;
            case 429 -> CheckResult.RATE_LIMITED;
            default -> CheckResult.UNEXPECTED;
        };
        return Verdict.of(result, code);
    }
}
