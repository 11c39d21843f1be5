package dev.keyhouse.runtimes;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

import javax.sql.DataSource;

/**
 * Rollout runs written straight into the database, in states the engine leaves alone (final, paused, waiting for
 * approval), so the pages and answers can be shown each state. Every run is created by {@link #ACTOR}; {@link
 * #deleteAll} removes them (their waves and results go with them).
 */
public final class RolloutFixtures {

    static final String ACTOR = "fixture@rollouts.test";

    private final DataSource db;

    public RolloutFixtures(DataSource db) {
        this.db = db;
    }

    /** A save's rollout run of {@code kind}; returns its id. */
    public long run(String kind, String state, boolean paused, int currentWave, int waveCount, String reason,
            Long previousVersion, Long rollbackVersion) {
        boolean finished = !state.equals("running") && !state.equals("waiting_approval")
                && !state.equals("rolling_back");
        return insert("INSERT INTO restart_runs (state, cause, kind, settings_version, created_by, created_at,"
                + " finished_at, rollout, paused, current_wave, wave_count, previous_version, rollback_version, reason)"
                + " VALUES (?, 'save', ?, ?, ?, now(), ?, true, ?, ?, ?, ?, ?, ?) RETURNING id", state, kind,
                previousVersion == null ? 1L : previousVersion + 1, ACTOR,
                finished ? Timestamp.from(Instant.now()) : null, paused, currentWave, waveCount, previousVersion,
                rollbackVersion, reason);
    }

    void wave(long run, int wave, String kind, String state, String decision) {
        update("INSERT INTO restart_waves (run_id, wave, kind, state, started_at, decision) VALUES (?, ?, ?, ?, now(), ?)",
                run, wave, kind, state, decision);
    }

    /** A runtime's result; {@code runtime} null for a target not discovered yet. */
    long result(long run, Long targetId, String target, String runtime, String state, Integer wave,
            String confirmation, String confirmationReason, String confirmState, String confirmDetail, String error) {
        return insert("INSERT INTO restart_results (run_id, target_id, target_name, driver, runtime, state, wave,"
                + " confirmation, confirmation_reason, confirm_state, confirm_detail, error, started_at, finished_at)"
                + " VALUES (?, ?, ?, 'recording', ?, ?, ?, ?, ?, ?, ?, ?, now(), now()) RETURNING id", run, targetId,
                target, runtime, state, wave, confirmation, confirmationReason, confirmState, confirmDetail, error);
    }

    /**
     * A restart under way for an hour (its lease held by no replica): keeps an open run from being finished as
     * stranded (all results final) while a test reads it.
     */
    void underWay(long run, Long targetId, String target, String runtime, Integer wave) {
        update("INSERT INTO restart_results (run_id, target_id, target_name, driver, runtime, state, wave, attempts,"
                + " claimed_by, lease_until, started_at) VALUES (?, ?, ?, 'recording', ?, 'running', ?, 1, 'fixture',"
                + " now() + interval '1 hour', now())", run, targetId, target, runtime, wave);
    }

    /** A runtime's last status report, as {@code POST /api/v1/internal/runtime-status} stores it. */
    void report(String runtime, long version, String status) {
        update("INSERT INTO runtime_status (runtime, settings_version, status, reported_at, reported_from)"
                + " VALUES (?, ?, ?, now(), '127.0.0.1')", runtime, version, status);
    }

    /** Removes the fixture runs (their waves and results with them) and the reports of {@code fx-} runtimes. */
    public void deleteAll() {
        update("DELETE FROM restart_runs WHERE created_by = ?", ACTOR);
        update("DELETE FROM runtime_status WHERE runtime LIKE 'fx-%'");
    }

    private long insert(String sql, Object... values) {
        try (Connection c = db.getConnection(); PreparedStatement s = bind(c.prepareStatement(sql), values);
                ResultSet rows = s.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void update(String sql, Object... values) {
        try (Connection c = db.getConnection(); PreparedStatement s = bind(c.prepareStatement(sql), values)) {
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PreparedStatement bind(PreparedStatement statement, Object... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            statement.setObject(i + 1, values[i]);
        }
        return statement;
    }
}
