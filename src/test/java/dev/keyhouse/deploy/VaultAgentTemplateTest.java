package dev.keyhouse.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.keyhouse.config.EnvCatalog;
import dev.keyhouse.config.EnvFileDialect;
import dev.keyhouse.config.EnvVar;
import org.junit.jupiter.api.Test;

/**
 * The Vault Agent template ({@code deploy/vault/keyhouse.env.ctmpl}) is held to the catalog as {@code .env.example} is
 * ({@code EnvCatalogContractTest}): every line names a catalog variable and reads the Vault key of that name, every
 * required variable is written unconditionally, no {@code VAULT_*} variable is written. Rendered (with
 * {@link ConsulTemplateSubset}), it writes lines {@link EnvFileDialect} reads back byte for byte, and fails the render
 * on a value no quoting holds.
 */
class VaultAgentTemplateTest {

    static final Path TEMPLATE = Path.of("deploy/vault/keyhouse.env.ctmpl");
    private static final String SECRET = "secret/data/keyhouse/production";

    /** {@code NAME=} at the start of a line, after an optional {@code {{ with ... }}}. */
    private static final Pattern ASSIGNMENT = Pattern.compile("^(?:\\{\\{[^}]*}})?([A-Za-z_][A-Za-z0-9_]*)=");
    private static final Pattern KEY_READ = Pattern.compile("\\.Data\\.data\\.([A-Za-z0-9_]+)|index \\.Data\\.data \"([^\"]*)\"");
    private static final Pattern REQUIRED_FORM =
            Pattern.compile("^([A-Z][A-Z0-9_]*)=\\{\\{ template \"value\" \\.Data\\.data\\.\\1 }}$");
    private static final Pattern OPTIONAL_FORM =
            Pattern.compile("^\\{\\{ with index \\.Data\\.data \"([A-Z][A-Z0-9_]*)\" }}\\1=\\{\\{ template \"value\" \\. }}$");

    /** Every way {@code template} disagrees with the catalog, one message per problem naming the variable; empty when none. */
    static List<String> problems(String template) {
        List<String> problems = new ArrayList<>();
        Set<String> written = new LinkedHashSet<>();
        String[] lines = template.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher assignment = ASSIGNMENT.matcher(line);
            if (!assignment.find()) {
                continue;
            }
            String name = assignment.group(1);
            String at = "line " + (i + 1) + ": " + name;
            Set<String> keys = new LinkedHashSet<>();
            Matcher read = KEY_READ.matcher(line);
            while (read.find()) {
                keys.add(read.group(1) != null ? read.group(1) : read.group(2));
            }
            Set<String> others = new LinkedHashSet<>(keys);
            others.remove(name);
            if (!others.isEmpty()) {
                problems.add(at + " reads the Vault key " + String.join(", ", others)
                        + ": a line's name must be the key it reads");
            }
            if (name.startsWith("VAULT_")) {
                problems.add(at + ": VAULT_* variables are how Agent reaches Vault, not Keyhouse's; leave them out");
                continue;
            }
            EnvVar variable = EnvCatalog.find(name).orElse(null);
            if (variable == null) {
                problems.add(at + " is not a Keyhouse variable (not in EnvCatalog)");
                continue;
            }
            if (!written.add(name)) {
                problems.add(at + " is written twice");
            }
            boolean required = REQUIRED_FORM.matcher(line).matches();
            if (others.isEmpty() && !required && !OPTIONAL_FORM.matcher(line).matches()) {
                problems.add(at + " is not written as NAME={{ template \"value\" .Data.data.NAME }} or {{ with index "
                        + ".Data.data \"NAME\" }}NAME={{ template \"value\" . }}: its value must go through the "
                        + "quoting of template \"value\"");
            } else if (variable.required() && others.isEmpty() && !required) {
                problems.add(at + " is required: write it unconditionally (NAME={{ template \"value\" .Data.data.NAME "
                        + "}}), so a secret without it fails the render");
            }
        }
        for (EnvVar variable : EnvCatalog.all()) {
            if (variable.required() && !variable.name().startsWith("VAULT_") && !written.contains(variable.name())) {
                problems.add("required variable " + variable.name() + " is missing from the template");
            }
        }
        if (!template.contains("{{ with secret \"")) {
            problems.add("the template reads no secret ({{ with secret \"<mount>/data/<path>\" }})");
        }
        return problems;
    }

    private static String template() throws Exception {
        return Files.readString(TEMPLATE);
    }

    private static Map<String, String> requiredValues() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("CREDENTIAL_ENCRYPTION_KEY", "q83vEjRWeJ8xMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ=");
        values.put("JWT_SECRET_KEY", "c2lnbmluZy1rZXktb2YtMzItYnl0ZXMtb3ItbW9yZSE=");
        values.put("SYSTEM_ADMIN_PASSWORD", "correct horse battery staple");
        return values;
    }

    private static Map<String, String> renderAndRead(Map<String, String> secret) throws Exception {
        String rendered = ConsulTemplateSubset.render(template(), Map.of(SECRET, secret));
        EnvFileDialect.Parsed parsed = EnvFileDialect.parse(rendered);
        assertThat(parsed.findings()).as("what EnvFileDialect says of the rendered file").isEmpty();
        return parsed.values();
    }

    @Test
    void theTemplateNamesOnlyCatalogVariablesEachReadingItsOwnKeyAndEveryRequiredOne() throws Exception {
        assertThat(problems(template())).isEmpty();
        assertThat(template()).contains("{{ with secret \"" + SECRET + "\" -}}")
                .doesNotContainPattern("(?m)(^|}})VAULT_[A-Z_]*=");
    }

    @Test
    void thePlantedMismatchesAreEachNamed() throws Exception {
        String template = template();
        String unknown = template.replace("SYSTEM_ADMIN_PASSWORD={{",
                "KEYHOUSE_UNKNOWN={{ template \"value\" .Data.data.KEYHOUSE_UNKNOWN }}\nSYSTEM_ADMIN_PASSWORD={{");
        assertThat(problems(unknown)).singleElement().asString()
                .contains("KEYHOUSE_UNKNOWN is not a Keyhouse variable (not in EnvCatalog)");

        String withoutRequired = template.replace(
                "JWT_SECRET_KEY={{ template \"value\" .Data.data.JWT_SECRET_KEY }}\n", "");
        assertThat(withoutRequired).isNotEqualTo(template);
        assertThat(problems(withoutRequired)).containsExactly("required variable JWT_SECRET_KEY is missing from the template");

        String crossed = template.replace("JWT_SECRET_KEY={{ template \"value\" .Data.data.JWT_SECRET_KEY }}",
                "JWT_SECRET_KEY={{ .Data.data.SYSTEM_ADMIN_PASSWORD }}");
        assertThat(problems(crossed)).singleElement().asString()
                .contains("JWT_SECRET_KEY reads the Vault key SYSTEM_ADMIN_PASSWORD");

        String unquoted = template.replace("{{ with index .Data.data \"LOG_LEVEL\" }}LOG_LEVEL={{ template \"value\" . }}",
                "{{ with index .Data.data \"LOG_LEVEL\" }}LOG_LEVEL={{ . }}");
        assertThat(problems(unquoted)).singleElement().asString().contains("LOG_LEVEL is not written as");

        String conditional = template.replace("SYSTEM_ADMIN_PASSWORD={{ template \"value\" .Data.data.SYSTEM_ADMIN_PASSWORD }}",
                "{{ with index .Data.data \"SYSTEM_ADMIN_PASSWORD\" }}SYSTEM_ADMIN_PASSWORD={{ template \"value\" . }}");
        assertThat(problems(conditional)).singleElement().asString().contains("SYSTEM_ADMIN_PASSWORD is required");

        String vault = template.replace("{{ end -}}\nJWT_SECRET_KEY=",
                "{{ end -}}\nVAULT_ADDR={{ template \"value\" .Data.data.VAULT_ADDR }}\nJWT_SECRET_KEY=");
        assertThat(problems(vault)).singleElement().asString().contains("VAULT_ADDR: VAULT_* variables");

        String twice = template.replace("JWT_SECRET_KEY={{", "LOG_FORMAT={{ template \"value\" .Data.data.LOG_FORMAT }}\n"
                + "JWT_SECRET_KEY={{");
        assertThat(problems(twice)).singleElement().asString().contains("LOG_FORMAT is written twice");
    }

    @Test
    void renderedValuesComeBackByteForByteAndUnsetOptionalOnesAreLeftOut() throws Exception {
        Map<String, String> secret = new HashMap<>(requiredValues());
        String awkward = "p@ss w0rd $HOME #hash \"quoted\" back\\slash ü";
        secret.put("SYSTEM_ADMIN_PASSWORD", awkward);
        secret.put("POSTGRES_PASSWORD", "it's a \"test\" with \\ and # and spaces ");
        secret.put("SYSTEM_DATABASE_URL", "postgresql://keyhouse:s3cr%40t@db.internal:5432/keyhouse");
        secret.put("LOG_LEVEL", "WARN");
        secret.put("PROVISIONER_INTERNAL_TOKEN", "tab\tinside");

        Map<String, String> read = renderAndRead(secret);
        assertThat(read).containsExactlyInAnyOrderEntriesOf(secret);
        assertThat(read).doesNotContainKeys("JWT_ALGORITHM", "HTTP_PORT", "CREDENTIAL_ENCRYPTION_KEY_PREVIOUS");

        String rendered = ConsulTemplateSubset.render(template(), Map.of(SECRET, secret));
        assertThat(rendered).startsWith("# Rendered by Vault Agent").doesNotContain("\n\n").endsWith("\n")
                .contains("\nSYSTEM_ADMIN_PASSWORD='" + awkward + "'\n", "\nLOG_LEVEL='WARN'\n",
                        "\nPOSTGRES_PASSWORD=\"it's a \\\"test\\\" with \\\\ and # and spaces \"\n");
    }

    @Test
    void aMissingOrEmptyRequiredValueAndAValueNoQuotingHoldsFailTheRender() throws Exception {
        Map<String, String> missing = new HashMap<>(requiredValues());
        missing.remove("JWT_SECRET_KEY");
        assertThatThrownBy(() -> ConsulTemplateSubset.render(template(), Map.of(SECRET, missing)))
                .hasMessage("map has no entry for key \"JWT_SECRET_KEY\"");

        Map<String, String> empty = new HashMap<>(requiredValues());
        empty.put("SYSTEM_ADMIN_PASSWORD", "");
        assertThatThrownBy(() -> ConsulTemplateSubset.render(template(), Map.of(SECRET, empty)))
                .hasMessage("a required Keyhouse variable is empty in Vault");

        for (String value : List.of("it's $5", "a'b`c`", "${HOME}'", "ends with \\", "a\\\\b'$", "line\nbreak",
                "carriage\rreturn", "nul\u0000")) {
            Map<String, String> secret = new HashMap<>(requiredValues());
            secret.put("POSTGRES_PASSWORD", value);
            assertThatThrownBy(() -> ConsulTemplateSubset.render(template(), Map.of(SECRET, secret)))
                    .as("%s", value.replace("\n", "\\n").replace("\r", "\\r").replace("\u0000", "\\0"))
                    .isInstanceOf(ConsulTemplateSubset.RenderFailure.class)
                    .message().startsWith("a Keyhouse variable in Vault holds").doesNotContain(value);
        }
        assertThatThrownBy(() -> ConsulTemplateSubset.render(template(), Map.of("secret/data/elsewhere", requiredValues())))
                .hasMessageContaining("no secret exists at " + SECRET);
    }

    /**
     * Random values over the characters every quoting rule is about: the template writes exactly the values
     * {@link EnvFileDialect#line} can write (each then read back unchanged), and fails the render on the others.
     */
    @Test
    void theTemplateQuotesWhatEnvFileDialectCanWriteAndRefusesTheRest() throws Exception {
        String alphabet = "ab Z09'\"$`\\#{}=;!*\t-_/:@%+,.ü";
        Random random = new Random(18);
        int written = 0;
        int refused = 0;
        for (int n = 0; n < 3000; n++) {
            StringBuilder value = new StringBuilder();
            int length = 1 + random.nextInt(8);
            for (int i = 0; i < length; i++) {
                value.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            Map<String, String> secret = new HashMap<>(requiredValues());
            secret.put("POSTGRES_PASSWORD", value.toString());
            boolean dialectWrites;
            try {
                EnvFileDialect.line("POSTGRES_PASSWORD", value.toString());
                dialectWrites = true;
            } catch (IllegalArgumentException e) {
                dialectWrites = false;
            }
            try {
                Map<String, String> read = renderAndRead(secret);
                assertThat(read.get("POSTGRES_PASSWORD")).as("read back").isEqualTo(value.toString());
                assertThat(dialectWrites).as("the template wrote [%s], which EnvFileDialect refuses", value).isTrue();
                written++;
            } catch (ConsulTemplateSubset.RenderFailure e) {
                assertThat(dialectWrites).as("the template refused [%s], which EnvFileDialect writes", value).isFalse();
                refused++;
            }
        }
        assertThat(written).as("values written").isGreaterThan(500);
        assertThat(refused).as("values refused").isGreaterThan(100);
    }
}
