package dev.keyhouse.auth;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/** Plain SQL against the test database, to check what was really stored. */
public final class Rows {

    private Rows() {
    }

    /** The first column of every row, as text. */
    public static List<String> column(DataSource db, String sql, Object... parameters) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Runs an INSERT, UPDATE or DELETE; returns the rows it changed. */
    public static int update(DataSource db, String sql, Object... parameters) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** The tables (as {@code table: row}) with a row whose text contains the value anywhere. */
    public static List<String> containing(DataSource db, String value) {
        List<String> hits = new ArrayList<>();
        for (String table : column(db, "SELECT table_name FROM information_schema.tables "
                + "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")) {
            for (String row : column(db, "SELECT t::text FROM \"" + table + "\" t WHERE strpos(t::text, ?) > 0", value)) {
                hits.add(table + ": " + row);
            }
        }
        return hits;
    }
}
