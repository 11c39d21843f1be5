package dev.keyhouse.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.keyhouse.config.EnvFileDialect;

/**
 * Every {@code .env} example in the README and docs/ can be copied as is: a {@code sh}, {@code dotenv} or {@code env}
 * block whose every line is a comment or {@code NAME=...} (what a {@code .env} holds, as opposed to commands) is read
 * by {@link EnvFileDialect} without a refused line.
 */
class ReadmeEnvExamplesTest {

    private static final Pattern BLOCK = Pattern.compile("(?m)^```(sh|dotenv|env|bash|shell)\\n(.*?)^```",
            Pattern.DOTALL);
    private static final Pattern ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*");

    /** The blocks meant as a .env: at least one assignment, and nothing but assignments, comments and blank lines. */
    static List<String> envBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(markdown);
        while (m.find()) {
            List<String> lines = m.group(2).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            if (lines.stream().anyMatch(l -> ASSIGNMENT.matcher(l).matches())
                    && lines.stream().allMatch(l -> l.startsWith("#") || ASSIGNMENT.matcher(l).matches())) {
                blocks.add(m.group(2));
            }
        }
        return blocks;
    }

    @Test
    void everyEnvExampleInTheDocumentationParsesAsIs() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
        try (var docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<String> refused = new ArrayList<>();
        List<String> examples = new ArrayList<>();
        for (Path file : files) {
            for (String block : envBlocks(Files.readString(file))) {
                examples.add(block);
                EnvFileDialect.parse(block).refused().forEach(f -> refused.add(file + ", example starting "
                        + block.lines().findFirst().orElse("") + ": " + f));
            }
        }
        assertThat(examples).as("the README's Vault and TRUSTED_PROXIES .env examples are among them")
                .anyMatch(block -> block.startsWith("VAULT_ADDR=")).anyMatch(block -> block.contains("TRUSTED_PROXIES="));
        assertThat(refused).isEmpty();
    }

    /** The breaker's README example: trailing comments after unquoted values are refused, and the test sees them. */
    @Test
    void anExampleWithTrailingCommentsIsFound() {
        String markdown = "text\n```sh\nVAULT_ADDR=https://vault.internal:8200\n"
                + "VAULT_KV_PATH=secret/data/keyhouse/production     # the KV v2 API path\n"
                + "VAULT_TOKEN=hvs.\u2026\n```\n```sh\nvault write -f auth/approle/role/keyhouse/secret-id\n```\n";
        List<String> blocks = envBlocks(markdown);
        assertThat(blocks).hasSize(1);
        assertThat(EnvFileDialect.parse(blocks.get(0)).refused()).extracting(Object::toString).containsExactly(
                "line 2: VAULT_KV_PATH: an unquoted value holds a space at position 32, which some readers take"
                        + " differently: quote the value ('...')",
                "line 3: VAULT_TOKEN: an unquoted value holds U+2026 at position 5, which some readers take"
                        + " differently: quote the value ('...')");
    }
}
