package dev.keyhouse.checks;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import dev.keyhouse.settings.ProviderKind;

/** What the LLM providers' checks share: the kind, the fields they read, the headers they send, the status fallback. */
abstract class LlmCheck implements ProviderCheck {

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
