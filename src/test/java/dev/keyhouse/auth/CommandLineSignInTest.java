package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.keyhouse.SystemTools;
import dev.keyhouse.TestSettings;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A plain curl session signs in through the form (with its CSRF token) and through the token endpoint. The
 * commands are the ones README.md shows under "Signing in from the command line", run as written by bash and the
 * real curl binary.
 */
@QuarkusTest
@SystemTools("curl")
class CommandLineSignInTest {

    static final String SECTION = "## Signing in from the command line";

    @TestHTTPResource("/")
    URL keyhouse;

    /** The cookie jar and outputs; @TempDir is not injected into Quarkus tests. */
    private final Path work = createWorkDirectory();

    @BeforeAll
    static void curlIsInstalled() {
        for (String tool : new String[] {"curl", "bash", "sed"}) {
            try {
                Process probe = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
                probe.getInputStream().readAllBytes();
                if (probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    continue;
                }
            } catch (IOException | InterruptedException e) {
                // reported below
            }
            fail("this test runs the real `" + tool + "` binary, and `" + tool + " --version` does not run here: "
                    + "install " + tool + " (e.g. apt-get install " + tool + ")");
        }
    }

    @Test
    void theFormWithItsCsrfToken() throws Exception {
        String script = readmeBlock("form");
        String out = run(script);
        // the POST prints its status and where it redirects; the last command prints the users page
        assertThat(out).contains("303 " + base() + "/admin");
        assertThat(out).contains("<h1>Users</h1>").contains(TestSettings.ADMIN_EMAIL + " · admin");
    }

    @Test
    void theTokenEndpoint() throws Exception {
        String out = run(readmeBlock("token"));
        assertThat(out).startsWith("[").contains("\"email\":\"" + TestSettings.ADMIN_EMAIL + "\"");
    }

    private String run(String script) throws Exception {
        ProcessBuilder bash = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).directory(work.toFile());
        bash.environment().put("KEYHOUSE", base());
        bash.environment().put("EMAIL", TestSettings.ADMIN_EMAIL);
        bash.environment().put("PASSWORD", TestSettings.ADMIN_PASSWORD);
        Path stdout = work.resolve("stdout");
        Path stderr = work.resolve("stderr");
        Process process = bash.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("the commands did not finish in 60 s:\n" + script);
        }
        String out = Files.readString(stdout, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("exit status of\n%s\nstdout: %s\nstderr: %s", script, out,
                Files.readString(stderr, StandardCharsets.UTF_8)).isZero();
        return out;
    }

    /** The commands of one ```sh block (marked by a leading comment naming it) of the README section. */
    static String readmeBlock(String name) throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int section = readme.indexOf(SECTION);
        assertThat(section).as("README.md has a section \"%s\"", SECTION).isNotNegative();
        int end = readme.indexOf("\n## ", section + SECTION.length());
        String text = end < 0 ? readme.substring(section) : readme.substring(section, end);
        String marker = "```sh\n# " + name + ":";
        int start = text.indexOf(marker);
        assertThat(start).as("a ```sh block starting with \"# %s:\" in that section", name).isNotNegative();
        int close = text.indexOf("\n```", start + marker.length());
        return text.substring(start + "```sh\n".length(), close + 1);
    }

    private static Path createWorkDirectory() {
        try {
            Files.createDirectories(Path.of("target"));
            return Files.createTempDirectory(Path.of("target"), "curl-session-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String base() {
        String url = keyhouse.toString();
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
