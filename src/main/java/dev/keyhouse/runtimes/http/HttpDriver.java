package dev.keyhouse.runtimes.http;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhouse.egress.Egress;
import dev.keyhouse.input.FieldRules;
import dev.keyhouse.input.FieldType;
import dev.keyhouse.runtimes.DriverField;
import dev.keyhouse.runtimes.FailureText;
import dev.keyhouse.runtimes.SecretMask;
import dev.keyhouse.runtimes.RestartOrder;
import dev.keyhouse.runtimes.RuntimeOutput;
import dev.keyhouse.runtimes.RuntimeDriver;
import dev.keyhouse.runtimes.TargetSpec;
import dev.keyhouse.web.FieldErrors;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Restarts a runtime by POSTing a signed webhook to its reload URL; the runtime then re-fetches
 * {@code /api/v1/internal/runtime-config}. The body names the target, the run and the configuration version (the
 * runtime-config {@code version} it restarts onto, not a kind's settings version: as {@code version}, kept for
 * receivers that read it, and as {@code configurationVersion}; and {@code configuration}, which tells apart two
 * configurations of one version: {@code "7"}, or {@code "7-h3fa9c2e1"} for one a rollout holds the runtime at, as
 * runtime-config's ETag starts), never a secret; see
 * {@link WebhookSignature} for the signature a runtime must check. A 2xx answer counts as restarted. Sent through
 * {@link Egress}: a URL the egress policy refuses is refused at save and again at every send, and every failure to
 * get an answer reads "could not reach the runtime at &lt;url&gt;". An answer that is not 2xx is named by its status
 * and a short snippet of its words, secrets masked ({@link #refused}); at most {@link #BODY_READ_LIMIT} bytes of it
 * are read.
 */
@ApplicationScoped
public class HttpDriver implements RuntimeDriver {

    static final String EVENT = "keyhouse.config.changed";
    static final int DEFAULT_TIMEOUT_SECONDS = 10;
    static final int MAX_TIMEOUT_SECONDS = 300;
    static final int MIN_SECRET_LENGTH = WebhookSignature.MIN_SECRET_LENGTH;
    /**
     * How much of an answer's body is read, in bytes: enough for {@link FailureText#snippet}'s 200 characters of
     * words under an error page's markup; the connection is cut after it, so a long answer is never read whole.
     */
    public static final int BODY_READ_LIMIT = 4096;

    /** What {@link Egress} calls the peer when it cannot be reached. */
    static final String PEER = "the runtime";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = Logger.getLogger(HttpDriver.class);

    private final Egress egress;

    /** @param egress every webhook goes through it: the policy at each send, the one unreachable text */
    public HttpDriver(Egress egress) {
        this.egress = egress;
    }

    @Override
    public String id() {
        return "http";
    }

    @Override
    public List<DriverField> fields() {
        return List.of(
                DriverField.url("url", "Reload URL",
                        "http(s) URL the runtime accepts the signed webhook on, e.g. https://voice-1.internal:8443/reload"),
                DriverField.secret("secret", "Signing secret", true,
                        "HMAC-SHA256 key shared with the runtime, at least " + MIN_SECRET_LENGTH
                                + " characters (openssl rand -hex 32)"),
                DriverField.optional("timeoutSeconds", "Timeout (seconds)", String.valueOf(DEFAULT_TIMEOUT_SECONDS),
                        "How long to wait for the runtime's answer, 1 to " + MAX_TIMEOUT_SECONDS));
    }

    @Override
    public void validate(TargetSpec target, FieldErrors errors) {
        String url = target.config("url");
        if (url != null) {
            String problem = egressRefusal(url);
            if (problem == null) {
                problem = urlProblem(url);
            }
            if (problem != null) {
                errors.add("config.url", problem);
            }
        }
        String secret = target.secret("secret");
        if (secret != null && secret.length() < MIN_SECRET_LENGTH) {
            errors.add("config.secret", "must be at least " + MIN_SECRET_LENGTH + " characters");
        }
        String timeout = target.config("timeoutSeconds");
        if (timeout != null && parseTimeout(timeout) == null) {
            errors.add("config.timeoutSeconds", "must be a whole number from 1 to " + MAX_TIMEOUT_SECONDS);
        }
    }

    /** Never: the webhook's body names the configuration and carries no value; the service fetches it by name. */
    @Override
    public boolean writesConfiguration(TargetSpec target) {
        return false;
    }

    /** True: {@link #discover} answers the target's own name. */
    @Override
    public boolean runtimeIsTarget() {
        return true;
    }

    /** The target itself is the one runtime: the webhook reaches whatever stands behind the URL. */
    @Override
    public List<String> discover(TargetSpec target) {
        return List.of(target.name());
    }

    @Override
    public void restart(TargetSpec target, String runtime, RestartOrder order) throws Exception {
        String url = target.config("url");
        String secret = target.secret("secret");
        if (url == null || urlProblem(url) != null) {
            throw new IllegalStateException(target + ": url is missing or invalid");
        }
        if (secret == null || secret.isEmpty()) {
            throw new IllegalStateException(target + ": secret is not set");
        }
        URI uri = URI.create(FieldRules.clean(FieldType.URL, url).value());
        String timestamp = String.valueOf(Instant.now().getEpochSecond());
        byte[] body = body(target, order, timestamp);
        // the policy is applied again at every send: EGRESS_ALLOWED_HOSTS may have changed since the save
        Egress.Answer answer = egress.post(new Egress.Post(uri, "application/json", body, Map.of(
                "User-Agent", "keyhouse",
                WebhookSignature.TIMESTAMP_HEADER, timestamp,
                WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(secret, timestamp, body)),
                timeout(target, order), BODY_READ_LIMIT, PEER));
        if (answer.status() / 100 != 2) {
            List<String> secrets = new java.util.ArrayList<>(order.secretValues());
            secrets.addAll(target.secrets().values());
            throw refused(answer, uri, secrets);
        }
    }

    private static byte[] body(TargetSpec target, RestartOrder order, String timestamp) throws JsonProcessingException {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event", EVENT);
        event.put("target", target.name());
        event.put("runId", order.runId());
        event.put("version", order.version());
        event.put("configurationVersion", order.version());
        event.put("configuration", order.configuration());
        event.put("timestamp", Long.parseLong(timestamp));
        return JSON.writeValueAsBytes(event);
    }

    /** The target's timeout, cut to what is left before the executor's deadline (at least one second). */
    private static Duration timeout(TargetSpec target, RestartOrder order) {
        Integer seconds = parseTimeout(target.config("timeoutSeconds", String.valueOf(DEFAULT_TIMEOUT_SECONDS)));
        Duration timeout = Duration.ofSeconds(seconds == null ? DEFAULT_TIMEOUT_SECONDS : seconds);
        if (order.deadline() != null) {
            Duration left = Duration.between(Instant.now(), order.deadline());
            if (left.compareTo(timeout) < 0) {
                timeout = left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
            }
        }
        return timeout;
    }

    private static Integer parseTimeout(String value) {
        try {
            int seconds = Integer.parseInt(value.strip());
            return seconds >= 1 && seconds <= MAX_TIMEOUT_SECONDS ? seconds : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The egress policy's refusal of a well-formed URL's host as written (no DNS at save), else null. */
    private String egressRefusal(String url) {
        FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.URL, url);
        if (!cleaned.ok() || cleaned.value() == null) {
            return null;
        }
        try {
            return egress.refusalWithoutLookup(new URI(cleaned.value())).map(refusal -> "is refused: " + refusal)
                    .orElse(null);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /**
     * Null when {@code url} passes the rules for a URL ({@link FieldType#URL}) and Keyhouse's own client can take
     * it; else what is wrong. Java's URI parser refuses host names with '_', which runtimes' clients accept.
     */
    public static String urlProblem(String url) {
        FieldRules.Cleaned cleaned = FieldRules.clean(FieldType.URL, url);
        if (!cleaned.ok()) {
            return cleaned.problem();
        }
        if (cleaned.value() == null) {
            return "is required";
        }
        try {
            if (new URI(cleaned.value()).getHost() == null) {
                return "has a host name with '_', which Java's URL parser (and so Keyhouse's webhook client) does"
                        + " not take; give the runtime a network alias without one";
            }
        } catch (URISyntaxException e) {
            return "must be a valid http or https URL";
        }
        return null;
    }

    /**
     * The error for an answer that is not 2xx: its status, a fixed text and what the runtime said — a snippet of its
     * body, escape sequences and control characters removed first ({@link RuntimeOutput#clean}; {@link
     * FailureText#snippet}: words only, a line it already has once, one line, at most 200 characters,
     * without a leading repeat of the status code), marked off as the runtime's own text ({@link RuntimeOutput}: shown
     * to admins only, never logged), with every value in
     * {@code secrets} masked in every form ({@link SecretMask}), before the snippet is made and after (an entity-encoded
     * echo decodes to the value); an answer with no words adds nothing.
     *
     * @param secrets the values the upstream must not be able to echo into an error: the target's signing secret and
     *            the run's provider environment (neither is sent; a runtime that knows one could still echo it)
     */
    static IOException refused(Egress.Answer answer, URI uri, List<String> secrets) {
        java.util.function.UnaryOperator<String> mask = SecretMask.masker(secrets);
        // cleaned before it is masked, as a command's output is (RuntimeOutput.clean): a key split by an escape
        // sequence is masked whole; the status is said once, up front: a page that starts by repeating it
        // ("501 Not Implemented") goes on after it
        String said = FailureText.snippet(mask.apply(RuntimeOutput.clean(new String(answer.body(),
                StandardCharsets.UTF_8))), mask)
                .replaceFirst("^" + answer.status() + "\\b[\\s:.-]*", "");
        LOG.debugf("webhook %s answered HTTP %d", Egress.safeUrl(uri), answer.status());
        return new IOException("refused by the runtime (HTTP " + answer.status() + "): the webhook at "
                + Egress.safeUrl(uri) + " was not accepted (only a 2xx answer counts)"
                + (said.isEmpty() ? "" : "; it answered: " + RuntimeOutput.quote(said)));
    }
}
