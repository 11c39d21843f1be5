package dev.keyhouse.input;

/**
 * What kind of value a field holds; {@link FieldRules} applies one set of rules per kind, wherever the value enters
 * (settings form and REST, runtime targets, bootstrap from the environment).
 */
public enum FieldType {
    /**
     * A key, token or signing secret: printable ASCII without spaces (it travels in HTTP headers and env files).
     * Stored as given, less ASCII whitespace at the ends.
     */
    SECRET,
    /** An http or https URL, stored in canonical form (see {@link FieldRules#clean}). */
    URL,
    /**
     * A URL a WebSocket client may also be given: ws, wss, http or https (RFC 6455 section 3 defines ws and wss
     * with the http URL's syntax), canonical as {@link #URL}. A LiveKit server's URL is one.
     */
    WEBSOCKET_URL,
    /** A name or code such as a provider, model, voice, language or account SID: printable ASCII without spaces. */
    IDENTIFIER,
    /** A phone number, optionally {@code whatsapp:}-prefixed; spaces, '-', '.', '(' and ')' are dropped. */
    PHONE,
    /** Free text such as a command, a path or a label selector: tabs and line breaks allowed, nothing invisible. */
    TEXT
}
