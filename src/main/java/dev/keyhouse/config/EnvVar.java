package dev.keyhouse.config;

/**
 * One environment variable Keyhouse reads.
 *
 * @param name the variable's name in the process environment and in {@code .env}
 * @param property the configuration property in {@code application.properties} that consumes it
 * @param purpose what it is for, in one sentence an operator understands
 * @param required whether production start-up refuses to go on without it
 * @param secret whether its value must never be shown, logged or stored
 * @param defaultValue the value used when unset, or {@code null} when there is none
 * @param format what a valid value looks like, checked at start-up
 */
public record EnvVar(String name, String property, String purpose, boolean required, boolean secret,
        String defaultValue, Format format) {

    /** The shape a value must have; each names how to fix a bad one. */
    public enum Format {
        TEXT,
        /** Standard base64 of exactly 32 random bytes. */
        KEY_32_BYTES,
        /** Comma-separated list of {@link #KEY_32_BYTES} keys. */
        KEY_LIST,
        /** Standard base64 of at least 32 random bytes (more for HS384/HS512). */
        SIGNING_KEY,
        /** A whole number from 1 to 2147483647 (a Java int); every whole-number format is checked by one rule. */
        INTEGER,
        /** A whole number from 0 to 2147483647. */
        NON_NEGATIVE_INTEGER,
        /** A whole number from 1 to 65535. */
        PORT,
        EMAIL,
        DATABASE_URL,
        /** A password bcrypt can take whole: 12 characters to 72 bytes. */
        ADMIN_PASSWORD,
        JWT_ALGORITHM,
        LOG_LEVEL,
        /** json (one JSON object a line, for log shippers) or text. */
        LOG_FORMAT,
        /** A provider API key: the rules of {@link dev.keyhouse.input.FieldType#SECRET}, as in the settings form. */
        PROVIDER_KEY,
        /** Comma-separated browser origins, each scheme://host[:port] with http or https and no path. */
        ORIGIN_LIST,
        /** An IPv4 address. */
        IPV4_ADDRESS,
        /** Comma-separated IP addresses or CIDR ranges (literals, no host names). */
        ADDRESS_LIST,
        /** Comma-separated host names, addresses and CIDRs ({@link dev.keyhouse.egress.EgressPolicy#problems}). */
        EGRESS_HOSTS,
        /** enforce, warn or off ({@link dev.keyhouse.settings.CheckMode}). */
        CHECK_MODE,
        /** An HTTP proxy URL, http://[user:password@]host:port ({@link dev.keyhouse.egress.EgressProxy#proxyProblems}). */
        PROXY_URL,
        /** Comma-separated hosts, .domains, addresses, CIDRs or * ({@link dev.keyhouse.egress.EgressProxy#noProxyProblems}). */
        NO_PROXY_LIST,
        /** A whole number of seconds from 1 to 120. */
        SECONDS_UP_TO_120,
        /** A whole number from 1 to 100 (a percentage). */
        PERCENT,
        /** A bcrypt cost (log2 of its rounds) from 10, OWASP's minimum, to 14. */
        BCRYPT_COST,
        /** auto or manual ({@code ROLLOUT_APPROVAL}). */
        APPROVAL,
        /** Comma-separated absolute, existing folders ({@link dev.keyhouse.runtimes.command.EnvironmentDirs#problems}). */
        DIRECTORY_LIST,
        /** An http(s) URL with a host and no user info ({@link dev.keyhouse.runtimes.RolloutNotifier#urlProblem}). */
        WEBHOOK_URL,
        /** A webhook signing secret of 16 or more characters ({@link dev.keyhouse.runtimes.RolloutNotifier#secretProblem}). */
        WEBHOOK_SECRET
    }

    public boolean hasDefault() {
        return defaultValue != null;
    }
}
