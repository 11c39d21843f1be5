package dev.keyhouse.runtimes;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.keyhouse.web.FieldErrors;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A test-only driver ({@code recording}) with a secret setting and several runtimes per target, that counts every
 * restart it is asked for: lets tests see exactly-once execution and secret handling without a real fleet.
 * {@code runtimes} is how many runtimes a target has ({@code <target>-1}, ...).
 */
@ApplicationScoped
public class RecordingDriver implements RuntimeDriver {

    static final String ID = "recording";

    private final Map<String, AtomicInteger> restarts = new ConcurrentHashMap<>();
    private final List<String> secretsSeen = Collections.synchronizedList(new ArrayList<>());

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<DriverField> fields() {
        return List.of(DriverField.optional("runtimes", "Runtimes", "1", "How many runtimes the target has."),
                DriverField.secret("token", "Token", true, "A secret the driver needs."),
                DriverField.optional("delayMillis", "Delay", "0", "How long each restart takes."));
    }

    @Override
    public void validate(TargetSpec target, FieldErrors errors) {
        if (!target.config("runtimes", "1").matches("[1-9][0-9]?")) {
            errors.add("config.runtimes", "must be 1 to 99");
        }
    }

    @Override
    public List<String> discover(TargetSpec target) {
        int count = Integer.parseInt(target.config("runtimes", "1"));
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            names.add(target.name() + "-" + i);
        }
        return names;
    }

    @Override
    public void restart(TargetSpec target, String runtime, RestartOrder order) throws Exception {
        secretsSeen.add(target.secret("token"));
        Thread.sleep(Long.parseLong(target.config("delayMillis", "0")));
        restarts.computeIfAbsent(order.runId() + "/" + runtime, k -> new AtomicInteger()).incrementAndGet();
    }

    /** How many times each runtime of a run was restarted, by {@code <run>/<runtime>}. */
    Map<String, Integer> restartsOf(long runId) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        restarts.forEach((key, count) -> {
            if (key.startsWith(runId + "/")) {
                counts.put(key.substring(key.indexOf('/') + 1), count.get());
            }
        });
        return counts;
    }

    List<String> secretsSeen() {
        return List.copyOf(secretsSeen);
    }
}
