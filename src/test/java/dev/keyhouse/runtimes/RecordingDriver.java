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
 * {@code runtimes} is how many runtimes a target has ({@code <target>-1}, ...); {@code delayMillis} how long changing
 * one takes, and {@code checkMillis} how long it is then checked after {@link RestartOrder#checking()} (0: no check).
 * It keeps, per target, how many restarts were at most under way at once, and how many of them changing at once.
 */
@ApplicationScoped
public class RecordingDriver implements RuntimeDriver {

    static final String ID = "recording";

    private final Map<String, AtomicInteger> restarts = new ConcurrentHashMap<>();
    private final List<String> secretsSeen = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Overlap> overlaps = new ConcurrentHashMap<>();

    /** Restarts of one target under way at once: all of them, and those changing (not yet checking). */
    static final class Overlap {
        private int underWay;
        private int changing;
        private int mostUnderWay;
        private int mostChanging;

        synchronized void begin() {
            mostUnderWay = Math.max(mostUnderWay, ++underWay);
            mostChanging = Math.max(mostChanging, ++changing);
        }

        synchronized void checking() {
            changing--;
        }

        synchronized void end(boolean checked) {
            underWay--;
            if (!checked) {
                changing--;
            }
        }

        synchronized int mostUnderWay() {
            return mostUnderWay;
        }

        synchronized int mostChanging() {
            return mostChanging;
        }
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<DriverField> fields() {
        return List.of(DriverField.optional("runtimes", "Runtimes", "1", "How many runtimes the target has."),
                DriverField.secret("token", "Token", true, "A secret the driver needs."),
                DriverField.optional("delayMillis", "Delay", "0", "How long each restart takes."),
                DriverField.optional("checkMillis", "Check", "0", "How long each restart is checked after that."));
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
        Overlap overlap = overlaps.computeIfAbsent(target.name(), k -> new Overlap());
        long check = Long.parseLong(target.config("checkMillis", "0"));
        boolean checking = false;
        overlap.begin();
        try {
            Thread.sleep(Long.parseLong(target.config("delayMillis", "0")));
            restarts.computeIfAbsent(order.runId() + "/" + runtime, k -> new AtomicInteger()).incrementAndGet();
            if (check > 0) {
                overlap.checking();
                checking = true;
                order.checking();
                Thread.sleep(check);
            }
        } finally {
            overlap.end(checking);
        }
    }

    /** How a target's restarts overlapped; empty counts for a target never restarted. */
    Overlap overlap(String target) {
        return overlaps.getOrDefault(target, new Overlap());
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
