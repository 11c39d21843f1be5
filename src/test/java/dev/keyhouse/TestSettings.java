package dev.keyhouse;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;

/**
 * The host environment every {@code @QuarkusTest} runs with: fixed test-only keys and a bootstrap administrator,
 * instead of whatever the shell running the build has in its environment or .env.
 */
@WithTestResource(value = TestSettings.class, scope = TestResourceScope.GLOBAL)
public class TestSettings implements QuarkusTestResourceLifecycleManager {

    public static final String ENCRYPTION_KEY = "dGVzdC1zdWl0ZS1lbmNyeXB0aW9uLWtleS0zMmJ5dGU=";
    public static final String JWT_KEY = "dGVzdC1zdWl0ZS1qd3Qtc2lnbmluZy1rZXktMzJieXQ=";
    public static final String JWT_PREVIOUS_KEY = "dGVzdC1zdWl0ZS1wcmV2aW91cy1qd3Qta2V5LTMyYnk=";
    public static final String ADMIN_EMAIL = "admin@keyhouse.test";
    public static final String ADMIN_PASSWORD = "test-admin-password-1";
    public static final String RUNTIME_CONFIG_TOKEN = "test-runtime-config-token-5d1f08";
    /** The loopback stand-ins the webhook tests run their runtimes on (a fresh install lists nothing). */
    public static final String EGRESS_ALLOWED_HOSTS = "localhost,127.0.0.0/8,::1";
    /**
     * The pages' idle poll interval ({@code keyhouse.pages.idle-refresh}, 10 s in production), as htmx's {@code every}
     * reads it: a browser test sees a page change behind it within a second.
     */
    public static final String IDLE_REFRESH = "1s";
    /**
     * The pages' busy poll interval ({@code keyhouse.pages.busy-refresh}, 2 s in production) while a rollout, run or
     * job is under way: a browser test following one sees each step within half a second. Shorter than
     * {@link #IDLE_REFRESH}, so a page's two rates stay told apart.
     */
    public static final String BUSY_REFRESH = "500ms";
    /** Where the command-driver tests write environment files: their temporary folders are all under it. */
    public static final String RUNTIME_ENV_DIRS = tmp();

    private static String tmp() {
        try {
            return java.nio.file.Path.of(System.getProperty("java.io.tmpdir")).toRealPath().toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The bootstrap administrator's password in the running application: {@link #ADMIN_PASSWORD}, unless the test's
     * profile sets SYSTEM_ADMIN_PASSWORD ({@code keyhouse.admin.password}) to another, as
     * {@link Profiles.RotatedAdminPassword} does.
     */
    public static String adminPassword() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("keyhouse.admin.password", String.class).orElse(ADMIN_PASSWORD);
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put("keyhouse.crypto.key", ENCRYPTION_KEY);
        settings.put("keyhouse.crypto.previous-keys", "");
        settings.put("keyhouse.jwt.key", JWT_KEY);
        settings.put("keyhouse.jwt.previous-key", JWT_PREVIOUS_KEY);
        settings.put("keyhouse.admin.email", ADMIN_EMAIL);
        settings.put("keyhouse.admin.password", ADMIN_PASSWORD);
        settings.put("keyhouse.runtime-config.token", RUNTIME_CONFIG_TOKEN);
        // as the variables, so a profile can set them again through application.properties
        settings.put("EGRESS_ALLOWED_HOSTS", EGRESS_ALLOWED_HOSTS);
        settings.put("RUNTIME_ENV_DIRS", RUNTIME_ENV_DIRS);
        // no background provider checks: they would reach whatever provider another test's setting names;
        // the check tests run them by calling BackgroundChecks, or set the variable again in a profile
        settings.put("PROVIDER_CHECK_INTERVAL_SECONDS", "0");
        // rollouts without a bake between waves, and a runtime that does not confirm fails its wave in 30 s: the
        // rollout tests set them again in their profiles
        settings.put("ROLLOUT_BAKE_SECONDS", "0");
        settings.put("ROLLOUT_CONFIRM_TIMEOUT_SECONDS", "30");
        settings.put("keyhouse.pages.idle-refresh", IDLE_REFRESH);
        settings.put("keyhouse.pages.busy-refresh", BUSY_REFRESH);
        // entities and Flyway migrations must agree: a drift fails every test run, not production
        settings.put("quarkus.hibernate-orm.schema-management.strategy", "validate");
        return settings;
    }

    @Override
    public void stop() {
    }
}
