package dev.keyhouse.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.keyhouse.web.FieldErrors;

/** Issue 20: a form's yes/no field is read by its control's contract; anything else is a 400 naming the field. */
class FormBooleansTest {

    @Test
    void aCheckboxIsOffWhenAbsentOnWhenTrueOrOnAndRefusedOtherwise() {
        assertThat(FormBooleans.checkbox("held", (String) null)).isFalse();
        assertThat(FormBooleans.checkbox("held", "false")).isFalse();
        assertThat(FormBooleans.checkbox("held", "true")).isTrue();
        assertThat(FormBooleans.checkbox("held", "on")).isTrue();
        for (String bad : List.of("maybe", "", " ", "TRUE", "yes", "1", "true ")) {
            assertRefused(() -> FormBooleans.checkbox("held", bad), "held", bad);
        }
        assertThat(FormBooleans.checkbox(Map.of(), "held")).isFalse();
        assertRefused(() -> FormBooleans.checkbox(Map.of("held", List.of("true", "true")), "held"), "held",
                "the same value twice: the form sends it once");
        assertRefused(() -> FormBooleans.checkbox(Map.of("held", List.of("true", "false")), "held"), "held", "twice");
    }

    @Test
    void trueOrFalseRefusesEverythingElseAbsentIncluded() {
        assertThat(FormBooleans.trueOrFalse("enabled", "true")).isTrue();
        assertThat(FormBooleans.trueOrFalse("enabled", "false")).isFalse();
        for (String bad : java.util.Arrays.asList("maybe", null, "", "on", "False", "0")) {
            assertRefused(() -> FormBooleans.trueOrFalse("enabled", bad), "enabled", String.valueOf(bad));
        }
    }

    @Test
    void yesOrNoIsNullWhenAbsent() {
        assertThat(FormBooleans.yesOrNo(Map.of(), "generate")).isNull();
        assertThat(FormBooleans.yesOrNo(Map.of("generate", List.of("yes")), "generate")).isTrue();
        assertThat(FormBooleans.yesOrNo(Map.of("generate", List.of("no")), "generate")).isFalse();
        assertRefused(() -> FormBooleans.yesOrNo(Map.of("generate", List.of("maybe")), "generate"), "generate",
                "maybe");
    }

    @Test
    void confirmedIsYesOrAbsent() {
        assertThat(FormBooleans.confirmed("confirmed", null)).isFalse();
        assertThat(FormBooleans.confirmed("confirmed", "yes")).isTrue();
        for (String bad : List.of("no", "maybe", "", "YES", "true")) {
            assertRefused(() -> FormBooleans.confirmed("confirmed", bad), "confirmed", bad);
        }
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String field,
            String what) {
        assertThatThrownBy(call).as(what).isInstanceOfSatisfying(FieldErrors.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.errors()).singleElement().satisfies(error -> assertThat(error.field()).isEqualTo(field));
        });
    }
}
