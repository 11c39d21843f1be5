package dev.keyhouse.checks;

import java.util.Locale;

/**
 * What a live check found out about a provider key. Decided from the provider's own error type or code in the answer
 * (see each {@link ProviderCheck}), not from the HTTP status alone: OpenAI reports no quota as 429, ElevenLabs as 401,
 * Anthropic as 400, DeepSeek and OpenRouter as 402.
 */
public enum CheckResult {
    /** The provider accepted the key on an authenticated call and rejected a decoy of the same shape. */
    OK("the provider accepted the key"),
    /** The provider does not know the key: mistyped, revoked, expired or deleted. */
    INVALID_KEY("the provider rejected the key as invalid"),
    /** The key is known but its account has no credit or quota left. */
    NO_CREDIT("the key's account has no credit or quota left"),
    /** The key is known but not allowed this call: a scope, permission, region or disabled account. */
    FORBIDDEN("the key is not allowed to make the call (scope or permission)"),
    /** The provider asked Keyhouse to slow down; the key was not judged. */
    RATE_LIMITED("the provider rate-limited the check; the key was not judged"),
    /** No answer: DNS, connect, TLS, timeout, or the egress policy refused the host. */
    UNREACHABLE("the provider could not be reached"),
    /**
     * No authenticated, non-billed call proves this provider's keys, or the provider did not reject a decoy key (a
     * public endpoint, a proxy that ignores authentication): a success would prove nothing.
     */
    UNVERIFIABLE("the key cannot be verified here"),
    /** An answer none of the above explains (a 5xx, a redirect, an unknown error); its status is kept. */
    UNEXPECTED("the provider answered in a way Keyhouse does not recognise (its HTTP status is kept), so the key was"
            + " not judged");

    private final String meaning;

    CheckResult(String meaning) {
        this.meaning = meaning;
    }

    /** As JSON, the audit log and the metric spell it: {@code ok}, {@code invalid_key}, {@code no_credit}, ... */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** One sentence for people, e.g. "the key's account has no credit or quota left". */
    public String meaning() {
        return meaning;
    }

    /** Whether a save with this result is refused in {@code enforce} mode unless an admin overrides it. */
    public boolean blocksSave() {
        return this == INVALID_KEY || this == NO_CREDIT || this == FORBIDDEN;
    }
}
