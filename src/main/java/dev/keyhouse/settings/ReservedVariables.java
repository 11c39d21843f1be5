package dev.keyhouse.settings;

import java.util.List;
import java.util.Set;

import dev.keyhouse.config.EnvCatalog;

/**
 * Environment names a shared secret may never write (issue 19): a runtime receiving them would change how its process,
 * loader or shell behaves ({@code PATH}, {@code LD_PRELOAD}, {@code JAVA_TOOL_OPTIONS}, …), or they are Keyhouse's own
 * ({@link EnvCatalog}, {@code KEYHOUSE_*} that the drivers set), or a provider kind or fallback writes them
 * ({@link ProviderEnvironment#MANAGED_NAMES}). The shared-secret validator refuses them (400 naming
 * {@code variable}) and runtime-config fails closed on a stored one.
 */
public final class ReservedVariables {

    /** Exact process, shell and loader names. */
    private static final Set<String> PROCESS = Set.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD",
            "IFS", "LANG", "LANGUAGE", "TZ", "TZDIR", "TMPDIR", "TMP", "TEMP", "TERM", "HOSTNAME", "ENV", "BASH_ENV",
            "CDPATH", "PROMPT_COMMAND", "SHELLOPTS", "BASHOPTS", "GLOBIGNORE", "PS1", "PS2", "PS3", "PS4", "MAIL",
            "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS", "JAVA_HOME", "CLASSPATH",
            "NODE_OPTIONS", "NODE_PATH", "NODE_EXTRA_CA_CERTS", "RUBYOPT", "RUBYLIB", "PERLLIB", "GCONV_PATH",
            "HOSTALIASES", "RESOLV_HOST_CONF", "LOCALDOMAIN", "NLSPATH", "SSL_CERT_FILE", "SSL_CERT_DIR",
            "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
            "GIT_SSH_COMMAND", "SSH_AUTH_SOCK");

    /** Name prefixes of process, shell and loader families, and Keyhouse's own. */
    private static final List<String> PREFIXES = List.of("LC_", "LD_", "DYLD_", "PYTHON", "PERL5", "BASH_FUNC_",
            "MALLOC_", "GLIBC_", "XDG_", "KEYHOUSE_");

    private ReservedVariables() {
    }

    /**
     * Why {@code variable} cannot be a shared secret's, e.g. "is a process or loader variable (PATH)"; null when it
     * can.
     */
    public static String problem(String variable) {
        if (PROCESS.contains(variable)) {
            return "is reserved: " + variable + " is a process, shell or loader variable";
        }
        for (String prefix : PREFIXES) {
            if (variable.startsWith(prefix)) {
                return "is reserved: " + prefix + "* " + ("KEYHOUSE_".equals(prefix) ? "names are Keyhouse's own"
                        : "names are process, shell or loader variables");
            }
        }
        if (ProviderEnvironment.MANAGED_NAMES.contains(variable)) {
            return "is reserved: " + writer(variable) + " writes " + variable;
        }
        if (EnvCatalog.find(variable).isPresent()) {
            return "is reserved: Keyhouse itself reads " + variable;
        }
        return null;
    }

    /**
     * Which provider setting writes a {@link ProviderEnvironment#MANAGED_NAMES managed} {@code variable}, e.g. "the llm
     * provider setting" for {@code LLM_API_KEY}, "the llm provider setting (provider openai)" for {@code OPENAI_API_KEY},
     * "a provider setting" for one no kind's prefix names (e.g. {@code AWS_SECRET_ACCESS_KEY}, the storage kind's).
     */
    private static String writer(String variable) {
        List<String> writers = new java.util.ArrayList<>();
        for (ProviderKind kind : ProviderKind.values()) {
            String prefix = kind == ProviderKind.TELEPHONY ? "TWILIO_" : kind.name() + "_";
            if (variable.startsWith(prefix)) {
                writers.add(kind.id() + " provider setting");
            } else if (kind != ProviderKind.TELEPHONY) {
                kind.providers().stream()
                        .filter(p -> variable.equals(p.toUpperCase(java.util.Locale.ROOT) + "_API_KEY"))
                        .forEach(p -> writers.add(kind.id() + " provider setting (provider " + p + ")"));
            }
        }
        return writers.isEmpty() ? "a provider setting" : "the " + String.join(" and the ", writers);
    }
}
