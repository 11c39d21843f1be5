package dev.keyhouse.runtimes.docker;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.docker.DockerEngine.DockerContainer;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;

/**
 * Replaces one container by a copy with the order's environment, and puts the original back if the copy cannot be
 * created, started, or does not stay up.
 *
 * <p>Sequence: rename the original to {@code <name>-keyhouse-old-<run>} (it keeps running), create the copy under the
 * name, stop the original, start the copy, check that it stays up (and becomes healthy, if it has a healthcheck), remove
 * the original. Creating before stopping means a copy Docker refuses (image gone, bad configuration) costs no downtime.
 * A stopped original gets a stopped copy. An earlier attempt of the same run that was cut short is picked up where it
 * left off.
 */
final class DockerRecreation {

    /** The longest grace a container gets to stop, whatever its own stop timeout. */
    static final int MAX_STOP_GRACE = 60;
    /** How long a started container must stay up to count as restarted (when it has no healthcheck). */
    static final Duration SETTLE = Duration.ofSeconds(1);
    /** How often a started container is looked at while it settles. */
    static final Duration POLL = Duration.ofMillis(200);
    /** Kept back from the deadline for starting and checking the copy when the original is given time to stop. */
    private static final Duration START_RESERVE = Duration.ofSeconds(5);
    private static final int DEFAULT_STOP_GRACE = 10;
    private static final Pattern ENGINE_MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private static final Logger LOG = Logger.getLogger(DockerRecreation.class);

    private final DockerEngine engine;
    private final DockerClient docker;
    private final String name;
    private final RestartOrder order;
    private final String oldName;
    private String step = "prepare";

    DockerRecreation(DockerEngine engine, String name, RestartOrder order) {
        this.engine = engine;
        this.docker = engine.docker();
        this.name = name;
        this.order = order;
        this.oldName = name + DockerDriver.OLD_SUFFIX + order.runId();
    }

    void run() throws Exception {
        checkEnvironment();
        interruptible();
        Original original;
        List<String> env;
        DockerEngine.StopSettings stop;
        try {
            original = original();
            env = environment(original.container);
            stop = original.container.stopSettings();
            step = "rename";
            docker.renameContainerCmd(original.container.id()).withName(oldName).exec();
        } catch (DockerException e) {
            throw new IllegalStateException("container " + name + ": " + step + " failed, nothing changed: "
                    + reason(e, order, null));
        }
        String copyId = null;
        try {
            step = "create";
            interruptible();
            copyId = new DockerContainerCopy(engine, original.container).create(name, env);
            if (original.running) {
                step = "stop";
                interruptible();
                try {
                    docker.stopContainerCmd(original.container.id()).withTimeout(stopGrace(stop, order)).exec();
                } catch (NotModifiedException e) {
                    // already stopped (by an earlier attempt of this run)
                }
                step = "start";
                interruptible();
                docker.startContainerCmd(copyId).exec();
                step = "check";
                // the copy runs on the new environment: the executor may begin the next restart meanwhile
                order.checking();
                awaitRunning(engine, copyId, name, order);
            }
        } catch (Exception e) {
            throw restore(original, copyId, e);
        }
        try {
            docker.removeContainerCmd(original.container.id()).withForce(true).withRemoveVolumes(false).exec();
        } catch (NotFoundException e) {
            // started with --rm: the engine removed it when it stopped
        }
        LOG.infof("container %s recreated for restart run %d (%s)", name, order.runId(), original.running ? "started" : "left stopped");
    }

    /** The container to copy and whether it runs (or ran before an earlier attempt of this run stopped it). */
    private record Original(DockerContainer container, boolean running) {
    }

    private Original original() {
        DockerContainer current = engine.inspect(name);
        DockerContainer leftover = engine.inspect(oldName);
        boolean ranBefore = false;
        if (leftover != null && current != null && neverStarted(current)) {
            // an earlier attempt of this run created the copy but never started it: the original still counts
            ranBefore = running(leftover) || stoppedAfter(leftover, current.created());
            LOG.infof("container %s: dropping the unstarted copy an earlier attempt of run %d left", name, order.runId());
            docker.removeContainerCmd(current.id()).withForce(true).withRemoveVolumes(false).exec();
            current = null;
        }
        if (leftover != null && current == null) {
            LOG.infof("container %s: an earlier attempt of run %d left the original renamed; renaming it back", name,
                    order.runId());
            docker.renameContainerCmd(leftover.id()).withName(name).exec();
            current = engine.inspect(name);
            leftover = null;
        }
        if (current == null) {
            throw new IllegalStateException("container " + name + " no longer exists");
        }
        if (leftover != null) {
            // an earlier attempt of this run started the copy, which took over; the original is stopped
            LOG.infof("container %s: removing the original an earlier attempt of run %d left behind", name, order.runId());
            docker.removeContainerCmd(leftover.id()).withForce(true).withRemoveVolumes(false).exec();
        }
        return new Original(current, ranBefore || running(current));
    }

    /** The original's environment without any name Keyhouse manages, plus the order's pairs and the runtime's name. */
    private List<String> environment(DockerContainer container) {
        List<String> env = new ArrayList<>();
        for (String pair : container.env()) {
            String variable = pair.split("=", 2)[0];
            if (!order.managedNames().contains(variable) && !order.env().containsKey(variable)
                    && !variable.equals(DockerDriver.RUNTIME_NAME_VARIABLE)) {
                env.add(pair);
            }
        }
        new TreeMap<>(order.env()).forEach((variable, value) -> env.add(variable + "=" + value));
        env.add(DockerDriver.RUNTIME_NAME_VARIABLE + "=" + name);
        return env;
    }

    /** Refuses, before anything changes, an environment Docker cannot carry. */
    private void checkEnvironment() {
        for (Map.Entry<String, String> pair : order.env().entrySet()) {
            if (pair.getKey().isEmpty() || pair.getKey().contains("=") || pair.getKey().indexOf('\0') >= 0) {
                throw new IllegalArgumentException("container " + name + ": environment variable name '"
                        + pair.getKey().replace("\0", "\\0") + "' is not valid");
            }
            if (pair.getValue().indexOf('\0') >= 0) {
                throw new IllegalArgumentException("container " + name + ": the value of " + pair.getKey()
                        + " holds a NUL byte, which a process environment cannot carry");
            }
        }
    }

    /**
     * Puts the original back under its name and, if it ran, starts it again; returns the exception to throw (an
     * {@link InterruptedException} when the executor interrupted the restart).
     */
    private Exception restore(Original original, String copyId, Exception cause) {
        boolean interrupted = Thread.interrupted() || cause instanceof InterruptedException;
        List<String> problems = new ArrayList<>();
        if (copyId != null) {
            try {
                docker.removeContainerCmd(copyId).withForce(true).withRemoveVolumes(false).exec();
            } catch (RuntimeException e) {
                problems.add("removing the copy: " + reason(e, order, original.container));
            }
        }
        try {
            docker.renameContainerCmd(original.container.id()).withName(name).exec();
            if (original.running && !running(engine.inspect(name))) {
                docker.startContainerCmd(original.container.id()).exec();
            }
        } catch (NotFoundException e) {
            problems.add("the original is gone (started with --rm?)");
        } catch (RuntimeException e) {
            problems.add("restoring the original: " + reason(e, order, original.container));
        }
        String what = cause instanceof InterruptedException ? "interrupted" : "failed: " + reason(cause, order, original.container);
        String outcome = problems.isEmpty()
                ? "the original container is back" + (original.running ? " and running" : "")
                : "the original could not be restored (" + String.join("; ", problems) + ")";
        String message = "container " + name + ": " + step + " " + what + "; " + outcome + " on its previous environment";
        LOG.warnf("restart run %d: %s", order.runId(), message);
        if (interrupted) {
            return new InterruptedException(message);
        }
        return new IllegalStateException(message);
    }

    /**
     * Waits until a started container has stayed up for {@link #SETTLE} and, if it has a healthcheck, is healthy;
     * fails when it exits, restarts, turns unhealthy or the order's deadline passes. Looks at once, every
     * {@link #POLL}, and once more right when the settle time is over (not up to a poll later).
     */
    static void awaitRunning(DockerEngine engine, String id, String name, RestartOrder order) throws InterruptedException {
        Instant settled = Instant.now().plus(SETTLE);
        while (true) {
            DockerContainer container = engine.inspect(id);
            if (container == null) {
                throw new IllegalStateException("the container was removed right after it started");
            }
            if (!container.running() || container.restarting()) {
                throw new IllegalStateException("the container stopped right after it started (exit code "
                        + container.exitCode() + ")");
            }
            String health = container.health();
            if ("unhealthy".equals(health)) {
                throw new IllegalStateException("the container turned unhealthy after it started");
            }
            boolean healthy = health == null || health.equals("healthy") || health.equals("none");
            Instant now = Instant.now();
            if (healthy && !now.isBefore(settled)) {
                return;
            }
            if (now.isAfter(order.deadline())) {
                throw new IllegalStateException("the container was not healthy by the deadline");
            }
            long untilSettled = Duration.between(now, settled).toMillis();
            Thread.sleep(untilSettled > 0 ? Math.min(POLL.toMillis(), untilSettled) : POLL.toMillis());
        }
    }

    /** Seconds the original gets to stop: its own stop timeout, within what the deadline leaves. */
    static int stopGrace(DockerEngine.StopSettings stop, RestartOrder order) {
        int grace = stop.timeout() == null ? DEFAULT_STOP_GRACE : stop.timeout();
        long left = Duration.between(Instant.now(), order.deadline()).minus(START_RESERVE).toSeconds();
        return (int) Math.max(0, Math.min(Math.min(grace, left), MAX_STOP_GRACE));
    }

    private static boolean running(DockerContainer container) {
        return container != null && container.running();
    }

    private static boolean neverStarted(DockerContainer container) {
        String started = container.startedAt();
        return started == null || started.startsWith("0001-01-01");
    }

    private static boolean stoppedAfter(DockerContainer container, String created) {
        try {
            String finished = container.finishedAt();
            return finished != null && created != null && Instant.parse(finished).isAfter(Instant.parse(created));
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /**
     * What went wrong, for an operator: the engine's message without the HTTP wrapping, and with every value of the
     * order's and the container's environment blanked out, in case the engine quoted one.
     */
    static String reason(Exception e, RestartOrder order, DockerContainer container) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof DockerException) {
            Matcher engine = ENGINE_MESSAGE.matcher(message);
            if (engine.find()) {
                message = engine.group(1).replace("\\\"", "\"");
            }
        }
        JsonMappingException unmapped = unmapped(e);
        if (unmapped != null) {
            message = "the engine's answer has a value docker-java cannot read in field " + field(unmapped) + " ("
                    + firstLine(unmapped.getOriginalMessage()) + ")";
        }
        List<String> secrets = new ArrayList<>(order == null ? List.of() : order.secretValues());
        List<String> env = new ArrayList<>();
        try {
            env = container == null ? List.of() : container.env();
        } catch (IllegalStateException unreadable) {
            // nothing to blank out
        }
        if (!env.isEmpty()) {
            for (String pair : env) {
                int eq = pair.indexOf('=');
                if (eq >= 0) {
                    secrets.add(pair.substring(eq + 1));
                }
            }
        }
        for (String secret : secrets) {
            if (secret.length() >= 4) {
                message = message.replace(secret, "[redacted]");
            }
        }
        return message;
    }

    /** The Jackson mapping failure behind an exception of docker-java's, if that is what it is. */
    private static JsonMappingException unmapped(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof JsonMappingException mapping) {
                return mapping;
            }
        }
        return null;
    }

    /** Where a mapping failed, as the engine's JSON names it: {@code HostConfig.CapAdd[0]}. */
    static String field(JsonMappingException e) {
        StringBuilder field = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                field.append(field.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                field.append('[').append(reference.getIndex()).append(']');
            }
        }
        return field.length() == 0 ? "(top level)" : field.toString();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }

    private void interruptible() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("container " + name + ": restart interrupted at " + step);
        }
    }
}
