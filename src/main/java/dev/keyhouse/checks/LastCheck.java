package dev.keyhouse.checks;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last live check of one kind's key, as {@code provider_checks}, {@code provider_entry_checks} and the key's
 * history {@code provider_check_history} keep it: never a response body, never a key.
 *
 * @param kind the settings kind id, e.g. {@code llm}
 * @param provider the provider id the check was for, e.g. {@code openai}
 * @param fingerprint the keyed fingerprint of the secret that was checked; the result stands for that key only
 * @param result the classification
 * @param status the HTTP status of the deciding answer; null when there was none
 * @param code the provider's short error code (see {@link Verdict#code()}) or Keyhouse's own reason; null when none
 * @param checkedAt when the check started
 * @param durationMs how long the calls with the real key took, in milliseconds
 * @param negativeControl what the provider did with a decoy key
 * @param since when this result began: the first check of this key that gave it
 */
public record LastCheck(String kind, String provider, String fingerprint, CheckResult result, Integer status,
        String code, Instant checkedAt, long durationMs, NegativeControl negativeControl, Instant since) {

    /**
     * As {@code GET /api/v1/settings/{kind}} shows it under {@code lastCheck}: result, status, code, checkedAt,
     * durationMs, negativeControl, since (timestamps ISO-8601 UTC).
     */
    public Map<String, Object> json() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("result", result.json());
        json.put("status", status);
        json.put("code", code);
        json.put("checkedAt", checkedAt.toString());
        json.put("durationMs", durationMs);
        json.put("negativeControl", negativeControl.json());
        json.put("since", since.toString());
        return json;
    }

    /** Whether this result was found for the key with {@code fingerprint} (the one stored now, say). */
    public boolean isFor(String fingerprint) {
        return this.fingerprint != null && this.fingerprint.equals(fingerprint);
    }
}
