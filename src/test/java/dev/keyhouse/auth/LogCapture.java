package dev.keyhouse.auth;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;

/** Collects every application log line (with its parameters and stack trace) while installed on the root logger. */
public final class LogCapture extends Handler implements AutoCloseable {

    // a queue, not a CopyOnWriteArrayList: a DEBUG run logs some hundred thousand records, and copying the whole
    // list on each of them made DebugLogLeakTest spend minutes in this handler
    private final Queue<String> lines = new ConcurrentLinkedQueue<>();

    private LogCapture() {
        setLevel(Level.ALL);
    }

    public static LogCapture install() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    /**
     * Installs a capture on the root logger ahead of every handler already there, so it sees each record as logged,
     * before a handler's filter (the console's {@code LogMask}) rewrites it.
     */
    public static LogCapture installFirst() {
        LogCapture capture = new LogCapture();
        Logger root = Logger.getLogger("");
        Handler[] others = root.getHandlers();
        for (Handler other : others) {
            root.removeHandler(other);
        }
        root.addHandler(capture);
        for (Handler other : others) {
            root.addHandler(other);
        }
        return capture;
    }

    /** Everything logged so far, one line per record. */
    public String text() {
        return String.join("\n", lines);
    }

    @Override
    public void publish(LogRecord record) {
        StringBuilder line = new StringBuilder(record.getLoggerName() + " " + record.getLevel() + " ");
        line.append(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage());
        if (record.getParameters() != null) {
            for (Object parameter : record.getParameters()) {
                line.append(" | ").append(parameter);
            }
        }
        for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
            line.append(" | ").append(t);
        }
        lines.add(line.toString());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }
}
