package dev.keyhouse.settings;

import java.util.Map;

import dev.keyhouse.checks.CheckOutcome;
import dev.keyhouse.web.KeyhouseException;

/**
 * A save refused in {@code enforce} mode because the live key check found a result that
 * {@link dev.keyhouse.checks.CheckResult#blocksSave() blocks} it (invalid_key, no_credit, forbidden): 422, nothing
 * saved, nothing restarted. Names the result and the kind's secret field; carries the check's outcome (never a key).
 */
public final class CheckRefused extends KeyhouseException {

    private final transient CheckOutcome outcome;
    private final String field;

    private final String fieldAdvice;

    /** @param checkedSecrets the secret fields the check sent (JSON names); the first of the kind's is named */
    CheckRefused(ProviderKind kind, CheckOutcome outcome, java.util.Set<String> checkedSecrets) {
        this(kind, kind.id() + " settings not saved", "Enter a working key, or save with a reason to override the"
                + " check.", "to save it anyway, give checkOverride.reason", outcome, checkedSecrets);
    }

    /**
     * @param refused what was not done, naming the entry: "stt settings not saved", "stt fallback 12 (soniox) not
     *        saved", "stt fallback 12 (soniox) not made primary"
     * @param advice the sentence (one full stop) that says what the admin can do
     * @param fieldAdvice the same for {@code errors[]}, after the result
     */
    CheckRefused(ProviderKind kind, String refused, String advice, String fieldAdvice, CheckOutcome outcome,
            java.util.Set<String> checkedSecrets) {
        super(422, refused + ": the key check found " + outcome.result().json() + " ("
                + outcome.result().meaning() + "). Nothing was saved and nothing restarted. " + advice);
        this.outcome = outcome;
        this.fieldAdvice = fieldAdvice;
        // telephony set up with an API key alone is refused on its API key secret, not on the unset auth token
        this.field = kind.secretFields().stream().map(SettingField::json).filter(checkedSecrets::contains).findFirst()
                .orElse(kind.secretField().json());
    }

    public CheckOutcome outcome() {
        return outcome;
    }

    /**
     * The secret field the refusal is about: {@code apiKey}; for telephony {@code authToken} when one was checked, else
     * {@code apiSecret}.
     */
    public String field() {
        return field;
    }

    /** The message for {@code errors[]}, against {@link #field()}. */
    public String fieldMessage() {
        return "the key check found " + outcome.summary() + ": " + outcome.result().meaning()
                + "; " + fieldAdvice;
    }

    @Override
    public Map<String, Object> extensions() {
        return Map.of("check", outcome.json());
    }
}
