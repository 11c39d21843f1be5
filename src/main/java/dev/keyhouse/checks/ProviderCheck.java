package dev.keyhouse.checks;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.keyhouse.settings.ProviderKind;

/**
 * The live check of one provider's keys: the cheapest authenticated, non-billed call(s) that prove a key, and how
 * the provider's answers are classified. One implementation per provider id (an application-scoped bean), found by
 * {@link ProviderChecks}; each names the provider's API reference it follows.
 *
 * <p>Implementations read only what classification needs from an answer (an error type or code, a status field) and
 * keep nothing of it: answers may echo the key (OpenAI's 401 does) or carry other secrets (Twilio's account carries
 * its auth token).
 */
public interface ProviderCheck {

    /** The kind whose settings this checks. */
    ProviderKind kind();

    /** The provider ids this checks, e.g. {@code openai} and {@code custom}. */
    Set<String> providers();

    /**
     * The calls that prove the key, in order; each must be answered {@link CheckResult#OK} for the key to be OK.
     * Empty when the provider has no authenticated, non-billed call (the result is then
     * {@link CheckResult#UNVERIFIABLE}). The negative control repeats the first call with {@link CheckTarget#decoy()}.
     *
     * @throws IllegalArgumentException naming the field (never its value) when the target lacks what the call needs
     */
    List<ProviderCall> calls(CheckTarget target);

    /**
     * Classifies one answer.
     *
     * @param status the HTTP status
     * @param body the answer as JSON, or null when it was not JSON (or too long); read it, never keep it
     */
    Verdict classify(ProviderCall call, int status, JsonNode body);

    /**
     * For the README and the settings page: the exact call, what {@code ok} proves and what it does not, e.g. "GET
     * {baseUrl}/models with Authorization: Bearer: the key exists and may list models; not that it has quota".
     */
    String proves();
}
