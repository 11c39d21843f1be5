package dev.keyhouse.vault;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reference to one key of a Vault / OpenBao KV v2 secret, written in a provider setting's secret field instead of
 * the value: {@code vault:<mount>/<path>#<key>} or, pinned to a KV version, {@code vault:<mount>/<path>#<key>?version=N}
 * (e.g. {@code vault:secret/llm#openai_key?version=3}), and held there, {@code …?version=3&hold}: a save stores a
 * reference typed with a version as held (the admin chose that version; {@code settings.VaultWatch} leaves it), one
 * typed without as pinned to the current version and followed. The mount is the first segment; path segments and
 * the key are letters, digits, {@code - _ .} (a segment of only dots is refused); the version is a positive integer.
 * A reference is not secret: it may be shown and logged. {@link #toString()} is its canonical text.
 *
 * @param version the KV version it is pinned to, or null for "the current version" (as typed, before a save pins it)
 * @param held whether it stays at {@code version} when Vault has a newer one (only with a version)
 */
public record VaultReference(String mount, String path, String key, Integer version, boolean held) {

    /** What a secret field's value starts with when it is a reference (and never otherwise). */
    public static final String PREFIX = "vault:";

    /** What a malformed reference is told (after the field's name). */
    public static final String FORM = "a Vault reference is written vault:<mount>/<path>#<key>, e.g."
            + " vault:secret/llm#openai_key (optionally ?version=N, N a positive integer, then optionally &hold)";

    private static final String SEGMENT = "(?!\\.+(?:[/#?]|$))[A-Za-z0-9._-]+";
    private static final Pattern SYNTAX = Pattern.compile("vault:(" + SEGMENT + ")/(" + SEGMENT + "(?:/" + SEGMENT
            + ")*)#(" + SEGMENT + ")(?:\\?version=([1-9][0-9]{0,8})(&hold)?)?");

    /** Whether a secret field's text is meant as a reference: it starts with {@value #PREFIX}, in any case. */
    public static boolean isReference(String text) {
        // any case: "VAULT:…" is a mistyped reference (refused by parse), never a key to serve as typed
        return text != null && text.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    /**
     * Parses a reference strictly.
     *
     * @return empty when {@code text} is not exactly one of the two forms (the caller names the field with {@link #FORM})
     */
    public static Optional<VaultReference> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = SYNTAX.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new VaultReference(m.group(1), m.group(2), m.group(3),
                m.group(4) == null ? null : Integer.valueOf(m.group(4)), m.group(5) != null));
    }

    /** The secret's place, as {@link VaultKv} reads it. */
    public VaultSettings.KvPath kvPath() {
        return new VaultSettings.KvPath(mount, path);
    }

    /** An unpinned reference ({@code version} null), as typed. */
    public VaultReference(String mount, String path, String key, Integer version) {
        this(mount, path, key, version, false);
    }

    /** Compact form: a reference without a version cannot be held. */
    public VaultReference {
        if (held && version == null) {
            throw new IllegalArgumentException("a held reference names its version");
        }
    }

    /** The same reference pinned to {@code kvVersion}, held or not as it was. */
    public VaultReference pinnedTo(int kvVersion) {
        return new VaultReference(mount, path, key, kvVersion, held);
    }

    /** The same pinned reference, held at its version. */
    public VaultReference hold() {
        return new VaultReference(mount, path, key, version, true);
    }

    /** Whether it names a KV version. */
    public boolean pinned() {
        return version != null;
    }

    /** The same reference without its version: what an admin wrote when the save pinned it. */
    public VaultReference unpinned() {
        return new VaultReference(mount, path, key, null, false);
    }

    @Override
    public String toString() {
        return PREFIX + mount + "/" + path + "#" + key + (version == null ? "" : "?version=" + version)
                + (held ? "&hold" : "");
    }
}
