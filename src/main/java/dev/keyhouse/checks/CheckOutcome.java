package dev.keyhouse.checks;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result of one live check, as kept, audited and answered: never a response body, never a key.
 *
 * @param kind the settings kind id, e.g. {@code llm}
 * @param provider the provider id, e.g. {@code openai}
 * @param result the classification
 * @param status the HTTP status of the answer that decided it; null when there was none (unreachable, no check)
 * @param code the provider's short error code (see {@link Verdict#code()}), or Keyhouse's own reason for a result
 *        it decided itself ({@code egress_refused}, {@code no_check}); null when none
 * @param checkedAt when the check started
 * @param durationMs how long the calls with the real key took, in milliseconds
 * @param negativeControl what the provider did with a decoy key
 */
public record CheckOutcome(String kind, String provider, CheckResult result, Integer status, String code,
        Instant checkedAt, long durationMs, NegativeControl negativeControl) {

    /** The JSON of {@code POST /api/v1/settings/{kind}/check}: result, provider, status, code, checkedAt, durationMs, negativeControl. */
    public Map<String, Object> json() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("result", result.json());
        json.put("provider", provider);
        json.put("status", status);
        json.put("code", code);
        json.put("checkedAt", checkedAt.toString());
        json.put("durationMs", durationMs);
        json.put("negativeControl", negativeControl.json());
        return json;
    }

    /** One line for people and the audit log, e.g. "no_credit (HTTP 429, insufficient_quota)". */
    public String summary() {
        StringBuilder text = new StringBuilder(result.json());
        if (status != null || code != null) {
            text.append(" (");
            if (status != null) {
                text.append("HTTP ").append(status);
            }
            if (code != null) {
                text.append(status != null ? ", " : "").append(code);
            }
            text.append(')');
        }
        if (negativeControl == NegativeControl.ACCEPTED) {
            text.append("; a decoy key was not rejected");
        }
        return text.toString();
    }
}
