package dev.keyhouse.egress;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.routing.DefaultProxyRoutePlanner;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * The one way Keyhouse opens an outbound HTTP connection (runtime webhooks, provider key checks; Vault is to use it
 * too): every request passes {@link EgressPolicy} ({@code EGRESS_ALLOWED_HOSTS}) first.
 *
 * <p>The host is resolved once, every address it resolves to is checked, and the connection is made to exactly those
 * addresses: Apache HttpClient 5's {@link DnsResolver} hook hands the client the checked addresses, so a DNS answer
 * that changes between the check and the connect (DNS rebinding) is never used. TLS still verifies the certificate
 * against the URL's host name (the system trust store, HttpClient's default hostname verifier). No redirects
 * followed, no connection kept for reuse (each request is checked anew).
 *
 * <p>The {@code Egress} bean goes direct (runtime webhooks: internal hosts). {@link #through(EgressProxy)} gives one
 * that sends through the configured proxy ({@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}; provider key
 * checks): there the proxy resolves the name, so Keyhouse cannot pin DNS and applies only the checks that need no
 * lookup ({@link EgressPolicy#checkWithoutLookup}: a literal private or loopback address, {@code localhost} and the
 * numeric forms are refused unless listed); the proxy's user info goes as Basic proxy authentication to the proxy only
 * (never over a tunnel to the destination) and is never logged.
 *
 * <p>Every failure to get an answer (refused, reset, timed out, unreachable, TLS, unknown name ...) is the same
 * message, {@link #unreachable}, so that the text never tells an open port from a closed one; what happened is
 * logged at DEBUG (hosts and exception texts, never a header or body).
 */
@Singleton
public class Egress {

    private static final Logger LOG = Logger.getLogger(Egress.class);
    /** How long opening a connection may take (within the request's own timeout). */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Sends and reads on these, so that a caller can stop waiting (deadline, interrupt) and hang up. */
    private static final ExecutorService EXCHANGES = Executors.newCachedThreadPool(work -> {
        Thread thread = new Thread(work, "keyhouse-egress");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * One POST: the body with its content type, extra headers, how long to wait for the answer (after the connection
     * is open), how many bytes of the answer to keep, and what to call the peer in errors ("the runtime").
     */
    public record Post(URI uri, String contentType, byte[] body, Map<String, String> headers, Duration timeout,
            int bodyLimit, String peer) {

        @Override
        public String toString() {
            // headers may carry signatures or tokens
            return "Post[" + safeUrl(uri) + "]";
        }
    }

    /**
     * One request of any method: {@code body} null for none (GET), extra headers, how long to wait for the answer
     * (after the connection is open), how many bytes of the answer to keep, and what to call the peer in errors
     * ("the provider").
     */
    public record Request(String method, URI uri, Map<String, String> headers, byte[] body, String contentType,
            Duration timeout, int bodyLimit, String peer) {

        /** A GET with these headers. */
        public static Request get(URI uri, Map<String, String> headers, Duration timeout, int bodyLimit, String peer) {
            return new Request("GET", uri, headers, null, null, timeout, bodyLimit, peer);
        }

        @Override
        public String toString() {
            // headers may carry keys, signatures or tokens
            return "Request[" + method + " " + safeUrl(uri) + "]";
        }
    }

    /** An answer: its status and at most {@link Post#bodyLimit()} bytes of its body. */
    public record Answer(int status, byte[] body) {
    }

    private final EgressPolicy policy;
    private final EgressPolicy.Lookup lookup;
    private final EgressProxy proxy;

    @Inject
    public Egress(@ConfigProperty(name = "keyhouse.egress.allowed-hosts") Optional<String> allowedHosts) {
        this(EgressPolicy.parse(allowedHosts.orElse("")), InetAddress::getAllByName);
    }

    /** @param lookup name resolution (tests hand in their own, so no test needs DNS) */
    public Egress(EgressPolicy policy, EgressPolicy.Lookup lookup) {
        this(policy, lookup, EgressProxy.none());
    }

    private Egress(EgressPolicy policy, EgressPolicy.Lookup lookup, EgressProxy proxy) {
        this.policy = policy;
        this.lookup = lookup;
        this.proxy = proxy;
    }

    /**
     * The same policy, sending through {@code proxy} wherever it names one for a URL (see {@link EgressProxy}); direct
     * elsewhere. The proxy's own address is the operator's choice and is not checked against the policy.
     */
    public Egress through(EgressProxy proxy) {
        return new Egress(policy, lookup, proxy);
    }

    /** The proxy this sends through; {@link EgressProxy#none()} for the bean (direct). */
    public EgressProxy proxy() {
        return proxy;
    }

    public EgressPolicy policy() {
        return policy;
    }

    /**
     * Why the policy refuses {@code url}'s host as written (an address, {@code localhost}, a numeric form), without any
     * DNS lookup: what a save can check. Empty when the host may be used; a name is checked again, resolved, at
     * every send.
     */
    public Optional<String> refusalWithoutLookup(URI url) {
        String host = host(url);
        return host == null ? Optional.of("has no host") : policy.checkWithoutLookup(host);
    }

    /**
     * POSTs {@code post} to a host the policy allows.
     *
     * @throws EgressRefused the policy refuses the host or an address it resolves to; nothing was sent
     * @throws IOException {@link #unreachable} for every failure to get an answer
     * @throws InterruptedException the caller was interrupted; the exchange is abandoned and its connection closed
     */
    public Answer post(Post post) throws IOException, InterruptedException {
        return send(new Request("POST", post.uri(), post.headers(), post.body(), post.contentType(), post.timeout(),
                post.bodyLimit(), post.peer()));
    }

    /**
     * Sends {@code request} to a host the policy allows.
     *
     * @throws EgressRefused the policy refuses the host or an address it resolves to; nothing was sent
     * @throws IOException {@link #unreachable} for every failure to get an answer
     * @throws InterruptedException the caller was interrupted; the exchange is abandoned and its connection closed
     */
    public Answer send(Request post) throws IOException, InterruptedException {
        String where = safeUrl(post.uri());
        String host = host(post.uri());
        if (host == null) {
            throw new EgressRefused("not sent to " + where + ": it has no host");
        }
        Optional<EgressProxy.Proxy> via = proxy.proxyFor(post.uri());
        CloseableHttpClient client;
        if (via.isPresent()) {
            // the proxy resolves the name: only what the URL itself says can be checked here
            Optional<String> refusal = policy.checkWithoutLookup(host);
            if (refusal.isPresent()) {
                throw new EgressRefused("not sent to " + where + ": " + refusal.get());
            }
            LOG.debugf("sending %s %s through the proxy at %s", post.method(), where, via.get());
            client = proxied(via.get(), post.timeout());
        } else {
            List<InetAddress> addresses;
            try {
                addresses = policy.addresses(host, lookup);
            } catch (EgressRefused e) {
                throw new EgressRefused("not sent to " + where + ": " + e.getMessage());
            } catch (UnknownHostException e) {
                LOG.debugf("could not reach %s: its name does not resolve", where);
                throw unreachable(post.peer(), where);
            }
            client = client(host, addresses, post.timeout());
        }
        HttpUriRequestBase request = new HttpUriRequestBase(post.method(), post.uri());
        post.headers().forEach(request::addHeader);
        if (post.body() != null) {
            request.setEntity(new ByteArrayEntity(post.body(), ContentType.create(post.contentType())));
        }
        boolean proxied = via.isPresent();
        Future<Answer> exchange = EXCHANGES.submit(() -> exchange(client, request, post.bodyLimit(), proxied));
        try {
            // the response timeout covers each read; this bound also covers a body that trickles in
            return exchange.get(post.timeout().toMillis() + CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            request.cancel();
            Thread.currentThread().interrupt();
            throw new InterruptedException(where + ": aborted, interrupted");
        } catch (TimeoutException e) {
            request.cancel();
            LOG.debugf("could not reach %s: no complete answer within %ss", where, post.timeout().toSeconds());
            throw unreachable(post.peer(), where);
        } catch (ExecutionException e) {
            LOG.debugf("could not reach %s: %s", where, cause(e.getCause(), post));
            throw unreachable(post.peer(), where);
        } finally {
            exchange.cancel(true);
            client.close(CloseMode.IMMEDIATE);
        }
    }

    /**
     * The cause as logged: its class and message, or its class alone when the message quotes the request's query, user
     * info or a header value (HttpClient's messages may quote a request line).
     */
    static String cause(Throwable cause, Request request) {
        String text = String.valueOf(cause);
        List<String> quoted = new java.util.ArrayList<>();
        for (String value : request.headers().values()) {
            quoted.add(value);
            quoted.add(value.substring(value.lastIndexOf(' ') + 1)); // the credential after "Bearer ", "Basic "
        }
        quoted.add(request.uri().getRawQuery());
        quoted.add(request.uri().getQuery());
        quoted.add(request.uri().getRawUserInfo());
        boolean quotes = quoted.stream().anyMatch(v -> v != null && v.length() >= 4 && text.contains(v));
        return quotes ? cause.getClass().getName() : text;
    }

    /** The one text for every failure to get an answer: it names the peer and URL, never the cause. */
    public static IOException unreachable(String peer, String where) {
        return new IOException("could not reach " + peer + " at " + where);
    }

    /**
     * One exchange. Through a proxy, an answer that is the proxy's own is no answer from the destination: HttpClient
     * hands back the proxy's refusal of a CONNECT as if it were the answer (an https answer without a TLS session),
     * and a 407 is always the proxy's (wrong or missing credentials).
     */
    private static Answer exchange(CloseableHttpClient client, HttpUriRequestBase request, int bodyLimit,
            boolean proxied) throws IOException {
        HttpClientContext context = HttpClientContext.create();
        ClassicHttpResponse response = client.executeOpen(null, request, context);
        try {
            if (proxied && (response.getCode() == 407
                    || ("https".equalsIgnoreCase(request.getScheme()) && context.getSSLSession() == null))) {
                throw new IOException("the proxy answered HTTP " + response.getCode() + " and made no connection to"
                        + " the destination" + (response.getCode() == 407 ? " (its credentials were refused)" : ""));
            }
            HttpEntity entity = response.getEntity();
            byte[] kept;
            if (entity == null) {
                kept = new byte[0];
            } else {
                try (InputStream content = entity.getContent()) {
                    kept = content.readNBytes(bodyLimit);
                }
            }
            return new Answer(response.getCode(), kept);
        } finally {
            request.cancel(); // hang up on the rest of a long answer instead of draining it
            response.close();
        }
    }

    /** A client that connects to {@code host} at the checked addresses only, never keeping the connection. */
    private static CloseableHttpClient client(String host, List<InetAddress> addresses, Duration timeout) {
        String expected = plain(host);
        DnsResolver pinned = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String name) throws UnknownHostException {
                byte[] literal = EgressPolicy.literal(plain(name));
                boolean checked = literal == null ? plain(name).equals(expected)
                        : addresses.contains(InetAddress.getByAddress(literal));
                if (!checked) {
                    throw new UnknownHostException(name + " is not the host that was checked");
                }
                return addresses.toArray(InetAddress[]::new);
            }

            @Override
            public String resolveCanonicalHostname(String name) {
                return name;
            }
        };
        return builder(pinned, timeout).build();
    }

    /**
     * A client that sends every request through {@code proxy}: absolute-form requests for http, a CONNECT tunnel for
     * https. Only the proxy's own name is ever resolved here; its credentials are offered to it alone.
     */
    private static CloseableHttpClient proxied(EgressProxy.Proxy proxy, Duration timeout) {
        HttpHost proxyHost = new HttpHost("http", proxy.host(), proxy.port());
        DnsResolver proxyOnly = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String name) throws UnknownHostException {
                if (!plain(name).equals(proxy.host())) {
                    throw new UnknownHostException(name + " is not the proxy: the proxy resolves the destination");
                }
                byte[] literal = EgressPolicy.literal(proxy.host());
                return literal != null ? new InetAddress[] {InetAddress.getByAddress(literal)}
                        : InetAddress.getAllByName(proxy.host());
            }

            @Override
            public String resolveCanonicalHostname(String name) {
                return name;
            }
        };
        HttpClientBuilder builder = builder(proxyOnly, timeout).setRoutePlanner(new DefaultProxyRoutePlanner(proxyHost));
        if (proxy.hasCredentials()) {
            BasicCredentialsProvider credentials = new BasicCredentialsProvider();
            credentials.setCredentials(new AuthScope(proxyHost),
                    new UsernamePasswordCredentials(proxy.user(), proxy.password().toCharArray()));
            builder.setDefaultCredentialsProvider(credentials);
        }
        return builder.build();
    }

    private static HttpClientBuilder builder(DnsResolver resolver, Duration timeout) {
        return HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(resolver)
                        .setTlsSocketStrategy(DefaultClientTlsStrategy.createSystemDefault())
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(CONNECT_TIMEOUT))
                                .setSocketTimeout(Timeout.of(timeout))
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.of(timeout))
                        .setRedirectsEnabled(false)
                        .build())
                .setConnectionReuseStrategy((request, response, context) -> false)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression();
    }

    private static String plain(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /**
     * The URL's host as written: {@link URI#getHost()}, or taken from the authority when Java's URI parser does not
     * see a server-based host there (it reads {@code 2130706433} or {@code 0x7f.1} as a registry name); null if none.
     */
    static String host(URI uri) {
        if (uri.getHost() != null) {
            return uri.getHost();
        }
        Origin.Authority authority = Origin.Authority.of(uri);
        return authority == null ? null : authority.host();
    }

    private static String authority(URI uri) {
        String authority = uri.getRawAuthority();
        return authority == null ? null : authority.substring(authority.lastIndexOf('@') + 1);
    }

    /** The URL for messages: scheme, host, port and path; user info and query left out (they may carry a token). */
    public static String safeUrl(URI uri) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return uri.getScheme() + "://" + authority(uri) + path;
    }
}
