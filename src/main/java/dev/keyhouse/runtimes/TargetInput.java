package dev.keyhouse.runtimes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.keyhouse.input.FormBooleans;
import dev.keyhouse.settings.ProviderKind;
import dev.keyhouse.input.NoBody;
import dev.keyhouse.web.FieldErrors;

/**
 * A target as a caller submitted it (REST JSON or the page's form), parsed but not yet checked against its driver.
 * Null means "not given": on an update it keeps what is stored.
 *
 * @param config every {@code config.<field>} given, secret or not, by field name; an empty secret keeps the stored one
 * @param canary whether the target's runtimes form a rollout's first wave
 * @param confirmation what confirms its runtimes took a new key, as given (checked against
 *                     {@link Confirmations#MODES} when saved)
 * @param held whether the target is left out of rollouts
 */
public record TargetInput(String name, String driver, List<String> dependsOn, Boolean enabled,
        Map<String, String> config, Boolean canary, String confirmation, Boolean held) {

    /** Members of a target's JSON that are only ever answered, never written; ignored when sent back. */
    private static final Set<String> READ_ONLY = Set.of("id", "createdAt", "updatedAt", "updatedBy", "latestRun",
            "confirmationApplied", "sharedConfig", "unchanged");

    /** The same input with other settings (the page keeps the stored driver; saving cleans the values). */
    TargetInput with(String driver, Map<String, String> config) {
        return new TargetInput(name, driver, dependsOn, enabled, config, canary, confirmation, held);
    }
    private static final int MAX_VALUE_LENGTH = 4000;

    /**
     * What {@link #config} holds for a JSON member whose value is neither a string nor a secret's summary: the
     * driver's check names it, "not a setting" when the driver has no such field, else "has the wrong type".
     */
    static final String NOT_A_STRING = "\u0000(not a string)";

    @Override
    public String toString() {
        // config may hold secrets
        return "TargetInput[" + name + ", " + driver + ", " + config.keySet() + "]";
    }

    /**
     * The JSON body of POST/PUT /api/v1/runtimes; throws only for a missing body: each problem (a member of the wrong
     * type, an unknown one) joins {@code errors} and the input reads a refused member as not given, so the target's
     * own rules can name theirs in the same answer
     * ({@link RuntimeTargets#create(TargetInput, String, FieldErrors)}).
     */
    public static TargetInput fromJson(Map<String, Object> body, FieldErrors errors) {
        if (body == null) {
            throw new FieldErrors().add("body", "must be a JSON object");
        }
        String name = null;
        String driver = null;
        List<String> dependsOn = null;
        Boolean enabled = null;
        Boolean canary = null;
        String confirmation = null;
        Boolean held = null;
        Map<String, String> config = new LinkedHashMap<>();
        for (Map.Entry<String, Object> member : body.entrySet()) {
            Object value = member.getValue();
            switch (member.getKey()) {
                case "name" -> name = string("name", value, errors);
                case "driver" -> driver = string("driver", value, errors);
                case "dependsOn" -> dependsOn = kinds(value, errors);
                case "enabled" -> enabled = bool("enabled", value, errors);
                case "canary" -> canary = bool("canary", value, errors);
                case "held" -> held = bool("held", value, errors);
                case "confirmation" -> confirmation = string("confirmation", value, errors);
                case "config" -> config(value, config, errors);
                default -> {
                    if (!READ_ONLY.contains(member.getKey())) {
                        errors.add(NoBody.member(member.getKey()), "is not a member of a runtime target");
                    }
                }
            }
        }
        return new TargetInput(name, driver, dependsOn, enabled, config, canary, confirmation, held);
    }

    /**
     * The page's form: name, driver, dependsOn (one parameter per kind), the checkboxes enabled, canary and held
     * (absent: off), confirmation (absent: kept), config.<field>.
     */
    public static TargetInput fromForm(Map<String, List<String>> form) {
        FieldErrors errors = new FieldErrors();
        TargetInput input = fromForm(form, errors);
        errors.throwIfAny();
        return input;
    }

    /**
     * {@link #fromForm(Map)} that throws nothing: each problem joins {@code errors}, and the input reads a refused
     * value as not given (a box as unticked, a bad dependsOn as absent), so the target's own rules can name theirs
     * in the same answer ({@link RuntimeTargets#create(TargetInput, String, FieldErrors)}).
     */
    public static TargetInput fromForm(Map<String, List<String>> form, FieldErrors errors) {
        Map<String, String> config = new LinkedHashMap<>();
        form.forEach((key, values) -> {
            if (key.startsWith("config.") && !values.isEmpty()) {
                config.put(key.substring("config.".length()), values.get(0));
            }
        });
        List<String> kinds = form.getOrDefault("dependsOn", List.of());
        // no box ticked: an empty list, which the target's rules name with every other problem of the form
        List<String> dependsOn = kinds.isEmpty() ? List.of() : kinds(kinds, errors);
        config.forEach((field, value) -> checkValue("config." + NoBody.member(field), value, errors));
        boolean enabled = checked(form, "enabled", errors);
        boolean canary = checked(form, "canary", errors);
        boolean held = checked(form, "held", errors);
        return new TargetInput(first(form, "name"), first(form, "driver"), dependsOn, enabled, config, canary,
                first(form, "confirmation"), held);
    }

    /** A checkbox, strictly ({@link FormBooleans#checkbox}); a value outside its contract joins the errors. */
    private static boolean checked(Map<String, List<String>> form, String box, FieldErrors errors) {
        try {
            return FormBooleans.checkbox(form, box);
        } catch (FieldErrors e) {
            errors.addAll(e);
            return false;
        }
    }

    private static Boolean bool(String field, Object value, FieldErrors errors) {
        if (value == null || value instanceof Boolean) {
            return (Boolean) value;
        }
        errors.add(field, "must be true or false");
        return null;
    }

    private static String first(Map<String, List<String>> form, String key) {
        List<String> values = form.get(key);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static String string(String field, Object value, FieldErrors errors) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        errors.add(field, "has the wrong type: must be a string");
        return null;
    }

    private static List<String> kinds(Object value, FieldErrors errors) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof List<?> list)) {
            errors.add("dependsOn", "must be a list of provider kinds, e.g. [\"llm\"]");
            return null;
        }
        List<String> kinds = new ArrayList<>();
        for (Object item : list) {
            if (item instanceof String kind && ProviderKind.parse(kind).isPresent()) {
                if (!kinds.contains(kind)) {
                    kinds.add(kind);
                }
            } else {
                errors.add("dependsOn", "may contain only " + String.join(", ", java.util.Arrays
                        .stream(ProviderKind.values()).map(ProviderKind::id).toList()));
                return null;
            }
        }
        // an empty list is judged with the target's shared secrets (RuntimeTargets.check): it may use those alone
        return kinds;
    }

    private static void config(Object value, Map<String, String> config, FieldErrors errors) {
        if (value == null) {
            return;
        }
        if (!(value instanceof Map<?, ?> members)) {
            errors.add("config", "must be an object of driver settings");
            return;
        }
        for (Map.Entry<?, ?> member : members.entrySet()) {
            String field = "config." + NoBody.member(String.valueOf(member.getKey()));
            Object setting = member.getValue();
            if (setting instanceof String text) {
                if (checkValue(field, text, errors)) {
                    config.put(String.valueOf(member.getKey()), text);
                }
            } else if (setting instanceof Map<?, ?>) {
                // a secret's summary sent back as it was read: keeps the stored value
                config.put(String.valueOf(member.getKey()), "");
            } else if (setting != null) {
                // judged with the driver's fields: an unknown name is "not a setting" whatever its value
                config.put(String.valueOf(member.getKey()), NOT_A_STRING);
            }
        }
    }

    /** Only the length: characters are checked by the field's type once the driver is known (FieldRules). */
    private static boolean checkValue(String field, String value, FieldErrors errors) {
        if (value.length() > MAX_VALUE_LENGTH) {
            errors.add(field, "is longer than " + MAX_VALUE_LENGTH + " characters");
            return false;
        }
        return true;
    }
}
