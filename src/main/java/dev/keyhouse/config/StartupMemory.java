package dev.keyhouse.config;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.JMException;
import javax.management.ObjectName;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import org.jboss.logging.Logger;

/**
 * Gives the native memory that start-up leaves in glibc's free lists back to the operating system, once: class
 * loading and the JIT compilers' arenas of a start leave about 16 MiB freed but resident (issue 17 measured 222 →
 * 206 MiB of JVM RSS on a restart). After the start-up event a daemon thread waits until the JIT compilers' start-up
 * burst is over (their total compilation time grew by less than {@link #QUIET_COMPILE_MILLIS} ms in the last
 * {@link #WINDOW_MILLIS} ms, or {@link #MAX_WAIT_MILLIS} ms passed), then runs the JVM's
 * {@code System.trim_native_heap} diagnostic command ({@code malloc_trim(0)}; JDK 17.0.9 and later on glibc, the
 * {@code DiagnosticCommand} MBean's {@code systemTrimNativeHeap} operation, JDK-8293114) and logs what it gave
 * back. Once only: periodic trimming ({@code -XX:TrimNativeHeapInterval}) holds malloc's locks while it runs and
 * cost runtime-config throughput (README, "Start-up and memory"). On a JVM or C library without the command it
 * logs that at DEBUG and does nothing.
 */
@ApplicationScoped
public class StartupMemory {

    private static final Logger LOG = Logger.getLogger(StartupMemory.class);
    /** The window over which compilation must be quiet, in milliseconds. */
    static final long WINDOW_MILLIS = 500;
    /** At most this much compilation time (ms) in the window counts as quiet. */
    static final long QUIET_COMPILE_MILLIS = 10;
    /** The longest wait for a quiet compiler (a machine under load may never give one), in milliseconds. */
    static final long MAX_WAIT_MILLIS = 30_000;
    private static final Pattern RESULT = Pattern.compile("RSS\\+Swap: (\\S+)->(\\S+) \\((\\S+)\\)");

    /** Last in start-up: the trim's thread starts once every other start-up observer has run. */
    void started(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 900) StartupEvent event) {
        Thread trim = new Thread(() -> {
            try {
                awaitQuietCompiler();
            } catch (InterruptedException e) {
                return;
            }
            trim().ifPresentOrElse(
                    result -> LOG.infof("start-up memory given back to the system: %s", result),
                    () -> LOG.debug("no native heap trim on this JVM (JDK 17.0.9+ on glibc has one)"));
        }, "keyhouse-startup-memory");
        trim.setDaemon(true);
        trim.start();
    }

    private static void awaitQuietCompiler() throws InterruptedException {
        CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        long deadline = System.nanoTime() + MAX_WAIT_MILLIS * 1_000_000;
        if (compiler == null || !compiler.isCompilationTimeMonitoringSupported()) {
            Thread.sleep(WINDOW_MILLIS);
            return;
        }
        long before = compiler.getTotalCompilationTime();
        do {
            Thread.sleep(WINDOW_MILLIS);
            long now = compiler.getTotalCompilationTime();
            if (now - before < QUIET_COMPILE_MILLIS) {
                return;
            }
            before = now;
        } while (System.nanoTime() - deadline < 0);
    }

    /**
     * Runs {@code System.trim_native_heap} now. Returns the change it reports, e.g. {@code RSS 222M -> 206M (-15864K)},
     * or empty when this JVM has no such command or the C library cannot trim (the command then says so).
     */
    public static Optional<String> trim() {
        String output;
        try {
            output = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "systemTrimNativeHeap",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
        } catch (JMException | RuntimeException e) {
            return Optional.empty();
        }
        Matcher m = RESULT.matcher(output == null ? "" : output);
        return m.find() ? Optional.of("RSS " + m.group(1) + " -> " + m.group(2) + " (" + m.group(3) + ")") : Optional.empty();
    }
}
