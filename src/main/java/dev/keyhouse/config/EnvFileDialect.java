package dev.keyhouse.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one env-file dialect Keyhouse reads and writes: the lines that a POSIX shell ({@code set -a; . file}), systemd's
 * {@code EnvironmentFile=} (systemd.exec(5)), python-dotenv and Docker Compose (which reads {@code .env} with
 * python-dotenv's rules) all read as the same value.
 *
 * <ul>
 * <li>UTF-8 text; blank lines and lines whose first non-blank character is {@code #} are ignored.</li>
 * <li>A line is {@code NAME=value}, {@code NAME} a POSIX name ({@code [A-Za-z_][A-Za-z0-9_]*}) directly followed by
 * {@code =}, and the value in one of three forms:
 * <ul>
 * <li>unquoted: nothing but {@code A-Z a-z 0-9 _ - . / : @ % + , = ^ ! ? * [ ] { }} and non-ASCII letters;</li>
 * <li>{@code 'single-quoted'}: any characters but {@code '} and a line break; a backslash only where
 * python-dotenv does not read it as an escape (never {@code \\}, never last); no {@code $}{@code {} (Debian's
 * python-dotenv 0.21 expands it even here);</li>
 * <li>{@code "double-quoted"}: {@code \\} for a backslash, {@code \"} for a quote, and no {@code $} or backtick
 * (a shell would expand them, python-dotenv would not), not ending in a backslash (python-dotenv then misreads
 * the closing quote).</li>
 * </ul></li>
 * </ul>
 * Anything else some reader takes differently, and it is refused naming the line (never the value): spaces around
 * {@code =} or inside an unquoted value (a shell runs a command), an inline comment (systemd keeps it in the value),
 * {@code $} or backticks unquoted, a {@code ;} comment, a line that is not an assignment (often a value wrapped onto a
 * second line). Three things are read, with a warning: a UTF-8 byte-order mark (a shell and systemd take it into the
 * first name), Windows line endings (a shell keeps the carriage return) and {@code export NAME=} (systemd skips the
 * line).
 *
 * <p>{@link #line} writes a value in the first form that holds it. A value holding {@code '} or {@code \\} together
 * with {@code $} or a backtick, or {@code $}{@code {}, a trailing backslash or a control character has no such form:
 * no quoting reads it back the same in a shell and in python-dotenv.
 */
public final class EnvFileDialect {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern BASE64_LINE = Pattern.compile("[A-Za-z0-9+/]{64}");
    private static final Pattern BASE64_REST = Pattern.compile("[A-Za-z0-9+/]+={0,2}");
    /** An upper-case name with an empty value: an assignment, not the tail of a wrapped key. */
    private static final Pattern EMPTY_ASSIGNMENT = Pattern.compile("[A-Z_][A-Z0-9_]*=");
    private static final String BOM = "\uFEFF";
    private static final String EXPORT = "export ";
    /** The one-line key command the messages about wrapped keys recommend. */
    private static final String ONE_LINE_KEY = dev.keyhouse.crypto.KeyText.generateCommand(64);

    private EnvFileDialect() {
    }

    /** What a reader should know of one line; {@code refused} lines set nothing. Never holds a value. */
    public record Finding(int line, boolean refused, String message) {

        @Override
        public String toString() {
            return "line " + line + ": " + message;
        }
    }

    /**
     * The values read, in file order (a later line wins), and every finding.
     *
     * @param lines        the line each value was read from (the last one setting it), by name
     * @param refusedNames the names of the assignments that were refused (set nothing), in file order
     */
    public record Parsed(Map<String, String> values, List<Finding> findings, Map<String, Integer> lines,
            List<String> refusedNames) {

        /** A reading without line numbers or refused names (no file, or a test). */
        public Parsed(Map<String, String> values, List<Finding> findings) {
            this(values, findings, Map.of(), List.of());
        }

        public List<Finding> refused() {
            return findings.stream().filter(Finding::refused).toList();
        }

        public List<Finding> warnings() {
            return findings.stream().filter(f -> !f.refused()).toList();
        }
    }

    /** Reads a whole file's text. */
    public static Parsed parse(String content) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, Integer> lineOf = new LinkedHashMap<>();
        List<String> refusedNames = new ArrayList<>();
        List<Finding> findings = new ArrayList<>();
        if (content.startsWith(BOM)) {
            content = content.substring(1);
            findings.add(new Finding(1, false, "the file starts with a UTF-8 byte-order mark, which a shell and "
                    + "systemd read as part of the first name: save it as UTF-8 without BOM"));
        }
        boolean crlfWarned = false;
        boolean afterWrappedBase64 = false;
        String lastName = null;
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            String line = lines[i];
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
                if (!crlfWarned) {
                    crlfWarned = true;
                    findings.add(new Finding(number, false, "Windows line endings (CRLF): a shell keeps the carriage "
                            + "return in every value; save the file with LF line endings"));
                }
            }
            String text = line.stripLeading();
            String stripped = text.strip();
            boolean continuation = afterWrappedBase64 && BASE64_REST.matcher(stripped).matches()
                    && !EMPTY_ASSIGNMENT.matcher(stripped).matches();
            afterWrappedBase64 = false;
            if (continuation) {
                // openssl's 64-character lines: the rest of the value above, which must not be read as NAME=value
                findings.add(new Finding(number, true, "continues the value of line " + (number - 1) + " (base64 "
                        + "wrapped after 64 characters, as `openssl rand -base64 N` prints it for N > 48): join the "
                        + "two lines, or generate the key with: " + ONE_LINE_KEY));
                // the line above holds only a part of its value: it sets nothing either, and is refused by name
                values.remove(lastName);
                lineOf.remove(lastName);
                if (!refusedNames.contains(lastName)) {
                    refusedNames.add(lastName);
                }
                continue;
            }
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            if (text.startsWith(";")) {
                findings.add(new Finding(number, true, "a comment starting with ';' is one only for systemd; start "
                        + "comments with '#'"));
                continue;
            }
            if (text.startsWith(EXPORT)) {
                text = text.substring(EXPORT.length()).stripLeading();
                findings.add(new Finding(number, false, "'export NAME=' is read by a shell and python-dotenv, but "
                        + "systemd's EnvironmentFile= skips the line: write NAME=value"));
            }
            int equals = text.indexOf('=');
            if (equals < 0) {
                findings.add(new Finding(number, true, "is not NAME=value (a value continued from the line above? "
                        + "keep each value on one line; for a key: " + ONE_LINE_KEY + ")"));
                continue;
            }
            String name = text.substring(0, equals);
            if (!NAME.matcher(name).matches()) {
                if (NAME.matcher(name.strip()).matches() && !refusedNames.contains(name.strip())) {
                    refusedNames.add(name.strip()); // NAME = value: the name is plain, its value is not read
                }
                findings.add(new Finding(number, true, name.strip().isEmpty() ? "has no name before '='"
                        : NAME.matcher(name.strip()).matches()
                                ? "has spaces around '=', which a shell reads as a command: write NAME=value"
                                : "the name is not a POSIX variable name (letters, digits and _, not starting "
                                        + "with a digit)"));
                continue;
            }
            Optional<String> problem = Optional.empty();
            String raw = stripTrailingBlanks(text.substring(equals + 1));
            String value = null;
            if (raw.startsWith("'")) {
                if (raw.length() < 2 || !raw.endsWith("'") || raw.substring(1, raw.length() - 1).contains("'")) {
                    problem = Optional.of("a single-quoted value must end with its closing quote, with nothing after it"
                            + " and no ' inside");
                } else {
                    value = raw.substring(1, raw.length() - 1);
                    problem = singleQuotedProblem(value);
                }
            } else if (raw.startsWith("\"")) {
                Optional<String> unescaped = unescapeDoubleQuoted(raw);
                if (unescaped.isEmpty()) {
                    problem = Optional.of("a double-quoted value must end with its closing quote, with nothing after "
                            + "it, and hold only \\\\ and \\\" escapes, no $ and no backtick (a shell expands them, "
                            + "python-dotenv does not): use single quotes");
                } else {
                    value = unescaped.get();
                }
            } else {
                value = raw;
                problem = unquotedProblem(raw);
            }
            if (problem.isPresent()) {
                findings.add(new Finding(number, true, name + ": " + problem.get()));
                if (!refusedNames.contains(name)) {
                    refusedNames.add(name);
                }
                continue;
            }
            values.put(name, value);
            lineOf.put(name, number);
            lastName = name;
            afterWrappedBase64 = BASE64_LINE.matcher(value).matches();
        }
        return new Parsed(values, findings, lineOf, List.copyOf(refusedNames));
    }

    /**
     * {@code NAME=value} (no line break) in the first form of this dialect that holds the value: unquoted, single-
     * or double-quoted.
     *
     * @throws IllegalArgumentException naming the variable (never the value) when no form holds it
     */
    public static String line(String name, String value) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(name + " is not a POSIX variable name");
        }
        Optional<String> problem = problem(value);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(name + " " + problem.get());
        }
        if (unquotedProblem(value).isEmpty()) {
            return name + "=" + value;
        }
        if (value.indexOf('\'') < 0 && singleQuotedProblem(value).isEmpty()) {
            return name + "='" + value + "'";
        }
        return name + "=\"" + escapeDoubleQuoted(value) + "\"";
    }

    /**
     * Why no form of this dialect holds {@code value} ({@link #line} would refuse it), in words that never quote it;
     * empty when one does. Saves check their values with it, so that nothing stored makes runtime-config's
     * {@code env} answer, or a target's environment file, impossible to write.
     */
    public static Optional<String> problem(String value) {
        if (value.chars().anyMatch(c -> isControl((char) c))) {
            return Optional.of("holds a line break or another control character, which no env-file line can hold");
        }
        if (unquotedProblem(value).isEmpty()
                || value.indexOf('\'') < 0 && singleQuotedProblem(value).isEmpty()
                || value.indexOf('$') < 0 && value.indexOf('`') < 0 && !value.endsWith("\\")) {
            return Optional.empty();
        }
        return Optional.of("holds ' or \\\\ together with $ or a backtick, or ${, or ends with a backslash: no"
                + " env-file quoting reads it back the same in a shell, systemd and python-dotenv");
    }

    /** The value as it stands between double quotes: {@code \\} before {@code \\} and {@code "}. */
    public static String escapeDoubleQuoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static Optional<String> unquotedProblem(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean safe = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "_-./:@%+,=^!?*[]{}".indexOf(c) >= 0 || c > 0x7f && Character.isLetterOrDigit(c);
            if (!safe) {
                String what = Character.isWhitespace(c) ? "a space"
                        : c == '#' ? "'#' (an inline comment to python-dotenv, part of the value to systemd)"
                        : isControl(c) || c == '\t' ? "a control character"
                        : c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'";
                return Optional.of("an unquoted value holds " + what + " at position " + (i + 1) + ", which some "
                        + "readers take differently: quote the value ('...')");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> singleQuotedProblem(String value) {
        if (value.contains("\\\\") || value.endsWith("\\") || value.contains("\\'")) {
            return Optional.of("a single-quoted value holds \\\\ or ends with \\, which python-dotenv reads as an "
                    + "escape and a shell does not: use double quotes with \\\\");
        }
        if (value.contains("${")) {
            return Optional.of("a value holds ${, which python-dotenv expands even between single quotes");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (isControl(c)) {
                return Optional.of("holds a control character at position " + (i + 1));
            }
        }
        return Optional.empty();
    }

    /** The value of a complete {@code "..."} with only {@code \\} and {@code \"} escapes and no $ or backtick. */
    private static Optional<String> unescapeDoubleQuoted(String raw) {
        StringBuilder value = new StringBuilder();
        for (int i = 1; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '"') {
                // python-dotenv takes the \" of a value ending in \\" for an escaped quote and loses the line
                boolean endsInBackslash = value.length() > 0 && value.charAt(value.length() - 1) == '\\';
                return i == raw.length() - 1 && !endsInBackslash ? Optional.of(value.toString()) : Optional.empty();
            }
            if (c == '$' || c == '`' || isControl(c)) {
                return Optional.empty();
            }
            if (c == '\\') {
                if (i + 1 >= raw.length() || raw.charAt(i + 1) != '\\' && raw.charAt(i + 1) != '"') {
                    return Optional.empty();
                }
                c = raw.charAt(++i);
            }
            value.append(c);
        }
        return Optional.empty();
    }

    /** A control character no env-file line holds: every C0 but the tab, and DEL. */
    private static boolean isControl(char c) {
        return c < 0x20 && c != '\t' || c == 0x7f;
    }

    private static String stripTrailingBlanks(String text) {
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == ' ' || text.charAt(end - 1) == '\t')) {
            end--;
        }
        return text.substring(0, end);
    }
}
