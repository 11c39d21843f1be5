package dev.keyhouse;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;

/**
 * A test class or method that drives a real program a JDK alone does not bring: Chromium and ChromeDriver, a Docker engine,
 * {@code docker-compose}, {@code systemd-analyze}, {@code curl}, {@code wget}, python-dotenv. {@code ./mvnw verify} leaves these classes out (they
 * are not run, so never counted as passed or skipped); {@code ./mvnw verify -Psystem-tools} runs them with the rest,
 * and {@code .ci/run} installs the programs and runs that. Each such test fails, naming what to install, when a
 * program is missing: it never skips.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(SystemTools.TAG)
public @interface SystemTools {

    /** The JUnit tag, as the {@code system-tools} Maven profile names it. */
    String TAG = "system-tools";

    /** The programs the test drives, for the reader. */
    String[] value();
}
