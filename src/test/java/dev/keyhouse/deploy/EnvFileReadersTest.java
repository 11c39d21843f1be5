package dev.keyhouse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.keyhouse.SystemTools;
import dev.keyhouse.config.EnvFileDialect;
import dev.keyhouse.config.EnvFileDialectTest;

/**
 * What Keyhouse writes as an env file (an EnvironmentFile, runtime-config {@code ?format=env}, the generated
 * {@code .env}) comes back unchanged through the real readers it is used with: bash ({@code set -a; . file}),
 * Debian's python-dotenv and docker-compose ({@code docker-compose config}, which reads {@code .env} with
 * python-dotenv's rules), for every value of the hard corpus; and a hand-written {@code .env} that Keyhouse accepts
 * means the same to them as to Keyhouse. (systemd's EnvironmentFile= cannot run here; the dialect's rules follow its
 * parser, src/basic/env-file.c.)
 */
@SystemTools({"bash", "python3-dotenv", "docker-compose"})
class EnvFileReadersTest {

    @TempDir
    Path dir;

    @Test
    void everyValueKeyhouseWritesComesBackUnchangedThroughEachReader() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        List<String> corpus = EnvFileDialectTest.corpus();
        for (int i = 0; i < corpus.size(); i++) {
            expected.put("HARD_" + i, corpus.get(i));
        }
        StringBuilder file = new StringBuilder("# written by EnvFileDialect.line\n");
        expected.forEach((name, value) -> file.append(EnvFileDialect.line(name, value)).append('\n'));
        Files.writeString(dir.resolve(".env"), file, StandardCharsets.UTF_8);

        assertThat(EnvFileDialect.parse(file.toString()).values()).as("Keyhouse").isEqualTo(expected);
        assertThat(bash(expected.keySet())).as("bash").isEqualTo(expected);
        assertThat(pythonDotenv(expected.keySet())).as("python-dotenv").isEqualTo(expected);
        assertThat(compose(expected.keySet())).as("docker-compose config").isEqualTo(expected);
    }

    @Test
    void aHandWrittenDotEnvKeyhouseAcceptsMeansTheSameToEveryReader() throws Exception {
        String text = "\n# the issue's file, quotes and all\nSYSTEM_ADMIN_PASSWORD=\"correct horse battery\"\n"
                + "PROVISIONER_INTERNAL_TOKEN='tok-7f3a'\nLOG_LEVEL=INFO\n";
        Files.writeString(dir.resolve(".env"), text, StandardCharsets.UTF_8);
        EnvFileDialect.Parsed keyhouse = EnvFileDialect.parse(text);
        assertThat(keyhouse.findings()).isEmpty();
        assertThat(keyhouse.values()).containsEntry("SYSTEM_ADMIN_PASSWORD", "correct horse battery");
        assertThat(bash(keyhouse.values().keySet())).isEqualTo(keyhouse.values());
        assertThat(pythonDotenv(keyhouse.values().keySet())).isEqualTo(keyhouse.values());
        assertThat(compose(keyhouse.values().keySet())).isEqualTo(keyhouse.values());
    }

    @Test
    void whatKeyhouseRefusesReallyIsReadDifferently() throws Exception {
        // an unquoted space: python-dotenv and Compose read "a b", a shell runs `b` with K=a in its environment
        Files.writeString(dir.resolve(".env"), "K=a b\n", StandardCharsets.UTF_8);
        assertThat(pythonDotenv(List.of("K"))).containsEntry("K", "a b");
        assertThat(bash(List.of("K"))).doesNotContainKey("K");
        assertThat(EnvFileDialect.parse("K=a b\n").refused()).hasSize(1);
        // a $ in double quotes: a shell expands it, python-dotenv keeps it
        Files.writeString(dir.resolve(".env"), "K=\"x$HOME\"\n", StandardCharsets.UTF_8);
        assertThat(pythonDotenv(List.of("K"))).containsEntry("K", "x$HOME");
        assertThat(bash(List.of("K")).get("K")).isNotEqualTo("x$HOME");
        assertThat(EnvFileDialect.parse("K=\"x$HOME\"\n").refused()).hasSize(1);
    }

    /** What {@code set -a; . ./.env} sets, NUL-separated so any value survives the trip. */
    private Map<String, String> bash(Iterable<String> names) throws Exception {
        StringBuilder script = new StringBuilder("set -a; . ./.env >/dev/null 2>&1; ");
        List<String> order = new ArrayList<>();
        for (String name : names) {
            order.add(name);
            script.append("if [ -n \"${").append(name).append("+set}\" ]; then printf '%s\\0%s\\0' ").append(name)
                    .append(" \"$").append(name).append("\"; fi; ");
        }
        Command run = Command.run(dir, Map.of("HOME", dir.toString()), List.of(Command.tool("bash").toString(), "-c",
                script.toString()));
        assertThat(run.exit()).as(run.stderr()).isZero();
        Map<String, String> values = new LinkedHashMap<>();
        String[] parts = run.stdout().split("\0", -1);
        for (int i = 0; i + 1 < parts.length; i += 2) {
            values.put(parts[i], parts[i + 1]);
        }
        return values;
    }

    private Map<String, String> pythonDotenv(Iterable<String> names) throws Exception {
        List<String> command = new ArrayList<>(List.of(Command.tool("python3").toString(), "-c",
                "import json, sys, dotenv; v = dotenv.dotenv_values('.env'); "
                        + "json.dump({k: v[k] for k in sys.argv[1:] if k in v and v[k] is not None}, sys.stdout)"));
        names.forEach(command::add);
        Command run = Command.run(dir, Map.of(), command);
        assertThat(run.exit()).as("python3 -c 'import dotenv' (Debian's python3-dotenv): " + run.stderr()).isZero();
        Map<String, String> values = new LinkedHashMap<>();
        new ObjectMapper().readTree(run.stdout()).fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
        return values;
    }

    /** The values docker-compose substitutes for {@code ${NAME}} from the {@code .env} beside the compose file. */
    private Map<String, String> compose(Iterable<String> names) throws Exception {
        StringBuilder yaml = new StringBuilder("version: \"2.4\"\nservices:\n  reader:\n    image: busybox\n"
                + "    environment:\n");
        for (String name : names) {
            yaml.append("      ").append(name).append(": \"${").append(name).append("}\"\n");
        }
        Files.writeString(dir.resolve("docker-compose.yml"), yaml);
        Command run = Command.run(dir, Map.of(), List.of(Command.tool("docker-compose").toString(), "config"));
        assertThat(run.exit()).as(run.stderr()).isZero();
        JsonNode environment = new YAMLMapper().readTree(run.stdout()).path("services").path("reader").path("environment");
        Map<String, String> values = new LinkedHashMap<>();
        // `config` prints a $ as $$, so its output can be read again
        environment.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText().replace("$$", "$")));
        return values;
    }
}
