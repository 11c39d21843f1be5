package dev.keyhouse.runtimes;

import java.util.List;

import dev.keyhouse.web.FieldErrors;

/**
 * One way of restarting runtimes: {@code docker}, {@code kubernetes}, {@code command} or {@code http}. Each driver
 * is an {@code @ApplicationScoped} bean; the restart executor finds them all by {@link #id()}.
 *
 * <p>A restart of a target goes: {@link #discover} (what runtimes the target selects now), {@link #prepare} once,
 * then {@link #restart} for each runtime, in parallel, each under the per-runtime timeout. A call that takes too long
 * is interrupted; drivers must stop their work when interrupted (kill the process, abort the request).
 *
 * <p>Exceptions carry a message an operator can act on ("container voice-1: image keyhouse-test/busybox not
 * found"); never a secret value. Nothing here logs the order's environment.
 */
public interface RuntimeDriver {

    /** The value stored in {@code runtime_targets.driver}: docker, kubernetes, command or http. */
    String id();

    /** The settings this driver reads; forms, REST validation and sealing of secrets are driven by this list. */
    List<DriverField> fields();

    /**
     * Checks a target's settings beyond "required" (formats, allowed values); adds each problem as
     * {@code config.<field>}. Secret fields arrive only when the request set them.
     */
    default void validate(TargetSpec target, FieldErrors errors) {
    }

    /**
     * What of the target's settings another stored target holds already and no two may share (the command and
     * systemd drivers' environment file), as the field and the sentence naming the other target; empty when none.
     * Asked after {@link #validate} passes (a save answers it 409) and before every restart (which then fails
     * instead of writing).
     */
    default java.util.Optional<FieldErrors.FieldError> conflict(TargetSpec target) {
        return java.util.Optional.empty();
    }

    /**
     * The runtimes this target restarts, by a stable name: container names for docker, {@code Deployment/voice} for
     * kubernetes, the target's own name for command and http (one runtime each).
     */
    List<String> discover(TargetSpec target) throws Exception;

    /** Work done once per target before its runtimes restart (kubernetes writes the Secret here). */
    default void prepare(TargetSpec target, RestartOrder order) throws Exception {
    }

    /** Restarts one runtime so that it starts on {@code order.env()}. Blocks until done; honours interruption. */
    void restart(TargetSpec target, String runtime, RestartOrder order) throws Exception;

    /** What a driver knows of a runtime's health, for the {@code health} confirmation of a rollout. */
    enum Health {
        /** The runtime has no health signal (no healthcheck; a driver without one). */
        NONE,
        /** A health signal exists and is not decided yet (docker {@code starting}; a rollout still progressing). */
        STARTING,
        /** docker: the healthcheck says {@code healthy}; kubernetes: the rollout is complete and available. */
        HEALTHY,
        /** docker: {@code unhealthy}; kubernetes: the rollout failed (progress deadline exceeded). */
        UNHEALTHY
    }

    /**
     * The runtime's health now. Called by the rollout gate, off any database transaction, under a short timeout.
     * Default: {@link Health#NONE}.
     */
    default Health health(TargetSpec target, String runtime) throws Exception {
        return Health.NONE;
    }

    /**
     * Whether the target's runtimes exist with a health signal at all (docker: the container has a healthcheck;
     * kubernetes: always, the workload's rollout status), so {@code auto} confirmation can fall back to
     * {@code health}. Default false.
     */
    default boolean hasHealth(TargetSpec target) {
        return false;
    }

    /**
     * Whether the target's one runtime is named as the target is ({@link #discover} answers {@code [target name]}
     * whatever the settings): then a report or fetch by that name is the target's before any restart. Answered from
     * the driver alone, no call is made. Default false.
     */
    default boolean runtimeIsTarget() {
        return false;
    }

    /**
     * Whether a restart of this target writes the configuration into its runtimes (an environment file, a container's
     * environment, a workload's Secret copy), so they run what the restart was given, not what they fetch by name: a
     * rollback restarts back such a runtime another run restarted onto its change ({@code Rollouts.carriedForward};
     * breaker b11 N3). Answered from the target's settings, no call is made. Default true: fail closed, a needless
     * restart back rather than a runtime left on an undone change.
     */
    default boolean writesConfiguration(TargetSpec target) {
        return true;
    }

    /**
     * Whether this driver can ever give a health signal ({@link #health} other than {@link Health#NONE}): docker
     * (containers with a healthcheck) and kubernetes. A target of a driver that cannot is refused
     * {@code confirmation: health}, which it could never meet. Answered from the driver alone. Default false.
     */
    default boolean canReportHealth() {
        return false;
    }

    /**
     * Why this target's runtimes cannot be moved to a new key one at a time, or null when they can. A driver that
     * writes configuration shared by all of a target's runtimes (one Kubernetes Secret, one EnvironmentFile of a
     * systemd template unit) says so here; a rollout then restarts all of the target's runtimes in one wave, and
     * the target's page shows the reason.
     */
    default String sharedConfig(TargetSpec target) {
        return null;
    }
}
