package dev.keyhouse.settings;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Reading a row never changes it: a kind never configured (Hibernate loads its all-null embeddable as null) answers
 * empty values without assigning them, so a read-only transaction (the key check before a save) has nothing to
 * write back over a save that committed meanwhile.
 */
class ProviderSettingTest {

    @Test
    void theValuesOfAKindNeverConfiguredAreEmptyAndTheRowStaysAsLoaded() {
        ProviderSetting row = new ProviderSetting();
        assertThat(row.values()).isNotNull();
        assertThat(row.values().secretRef(SettingField.API_KEY)).isNull();
        assertThat(row.values).as("the entity's field, which Hibernate compares at flush").isNull();
    }
}
