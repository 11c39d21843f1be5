package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/** The catalog, the configuration that consumes it and .env.example must name the same variables. */
class EnvCatalogContractTest {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");
    private static final Pattern EXAMPLE_LINE = Pattern.compile("^([A-Z][A-Z0-9_]*)=(.*)$");

    /** property -> [variable, default or null] for every ${VAR} mapping outside a %profile. */
    private static Map<String, String[]> mappings() throws IOException {
        Map<String, String[]> mappings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("src/main/resources/application.properties"))) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith("%")) {
                continue;
            }
            String property = line.substring(0, line.indexOf('=')).strip();
            Matcher matcher = REFERENCE.matcher(line);
            while (matcher.find()) {
                String fallback = matcher.group(2);
                mappings.put(property, new String[] {matcher.group(1), fallback == null || fallback.isEmpty() ? null : fallback});
            }
        }
        return mappings;
    }

    private static Map<String, String> example() throws IOException {
        Map<String, String> names = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(".env.example"))) {
            Matcher matcher = EXAMPLE_LINE.matcher(line);
            if (matcher.matches()) {
                names.put(matcher.group(1), matcher.group(2));
            }
        }
        return names;
    }

    private static Set<String> catalogNames() {
        return EnvCatalog.all().stream().map(EnvVar::name).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyVariableConsumedByConfigurationIsInTheCatalogAndBack() throws IOException {
        Set<String> consumed = mappings().values().stream().map(m -> m[0]).collect(Collectors.toCollection(TreeSet::new));
        assertThat(consumed).as("variables referenced in application.properties").isEqualTo(catalogNames());
    }

    @Test
    void everyCatalogVariableIsDocumentedInEnvExampleAndBack() throws IOException {
        assertThat(new TreeSet<>(example().keySet())).as("variables in .env.example").isEqualTo(catalogNames());
    }

    @Test
    void eachVariableFeedsItsDeclaredPropertyWithTheCatalogDefault() throws IOException {
        Map<String, String[]> mappings = mappings();
        for (EnvVar variable : EnvCatalog.all()) {
            assertThat(mappings).as("application.properties maps %s", variable.property()).containsKey(variable.property());
            String[] mapping = mappings.get(variable.property());
            assertThat(mapping[0]).as("%s is fed by", variable.property()).isEqualTo(variable.name());
            assertThat(mapping[1]).as("default of %s", variable.name()).isEqualTo(variable.defaultValue());
        }
    }

    @Test
    void exampleShowsDefaultsAndNeverARealLookingSecret() throws IOException {
        Map<String, String> example = example();
        for (EnvVar variable : EnvCatalog.all()) {
            String shown = example.get(variable.name());
            if (variable.secret()) {
                assertThat(shown).as("%s in .env.example is empty or a <placeholder>", variable.name())
                        .matches("|<[^>]+>");
            } else if (variable.hasDefault()) {
                assertThat(shown).as("%s in .env.example shows the default", variable.name())
                        .isEqualTo(variable.defaultValue());
            }
        }
    }

    @Test
    void everyVariableIsDescribed() {
        assertThat(EnvCatalog.all()).allSatisfy(v -> {
            assertThat(v.purpose()).as(v.name()).isNotBlank();
            assertThat(v.property()).as(v.name()).isNotBlank();
        });
        assertThat(EnvCatalog.all().stream().map(EnvVar::name).distinct().count()).isEqualTo(EnvCatalog.all().size());
    }
}
