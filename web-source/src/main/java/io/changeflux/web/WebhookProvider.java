package io.changeflux.web;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSource;
import io.changeflux.Delivery;
import io.changeflux.ChangeSourceException;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import io.changeflux.spi.ChangeSourceProvider;
import io.changeflux.web.internal.GithubVerifier;
import io.changeflux.web.internal.StandardVerifier;
import io.changeflux.web.internal.Verifier;
import io.changeflux.web.internal.WebhookConfig;
import io.changeflux.web.internal.WebhookServer;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * The {@code webhook://} and {@code webhooks://} (TLS) schemes: an HTTP server on which each
 * accepted POST is one event.
 *
 * <pre>
 * webhook://0.0.0.0:8080/hooks/github?verify=github&amp;secret=…
 * webhook://127.0.0.1:8080/hooks?verify=standard&amp;secret=whsec_…&amp;paths=/hooks/a,/hooks/b
 * webhooks://0.0.0.0:8443/hooks/github?secret=…&amp;tlsCert=cert.pem&amp;tlsKey=key.pem
 * </pre>
 *
 * <p>A request is answered 200 only once the subscriber took its event, and 503 with {@code
 * Retry-After} when the consumer is not keeping up, so a sender retries instead of losing. Each
 * subscription binds its own server: one subscriber per port.
 */
public final class WebhookProvider implements ChangeSourceProvider {

  /** The signature scheme. */
  public static final OptionSpec<String> VERIFY =
      OptionSpec.choice(
          "verify",
          "github",
          "signature check: github (X-Hub-Signature-256), standard (Standard Webhooks), none (loopback only unless insecure=true)",
          "github",
          "standard",
          "none");

  /** The shared secret. */
  public static final OptionSpec<String> SECRET =
      OptionSpec.string(
              "secret", null, "the webhook secret (standard: whsec_BASE64); required unless verify=none")
          .sensitive();

  /** Allow verify=none on a non-loopback address. */
  public static final OptionSpec<Boolean> INSECURE =
      OptionSpec.bool(
          "insecure", false, "allow verify=none on an address other than loopback (anyone can post)");

  /** More request paths. */
  public static final OptionSpec<List<String>> PATHS =
      OptionSpec.list(
          "paths", "more request paths served on the same port (the event's header path says which)");

  /** Body size limit. */
  public static final OptionSpec<Integer> MAX_BODY =
      OptionSpec.integer(
          "maxBody", 1_048_576, 0, Integer.MAX_VALUE - 16, "largest request body in bytes; larger gets 413");

  /** Undelivered events held for a slow consumer. */
  public static final OptionSpec<Integer> BACKLOG =
      OptionSpec.integer(
          "backlog",
          256,
          1,
          1_000_000,
          "requests waiting for a slow consumer; past it senders get 503 with Retry-After");

  /** How long a request waits for the consumer. */
  public static final OptionSpec<Duration> ACCEPT_TIMEOUT =
      OptionSpec.duration(
          "acceptTimeout", "5s", "how long a request waits for the consumer to take its event before 503");

  /** Retry-After of a 503. */
  public static final OptionSpec<Duration> RETRY_AFTER =
      OptionSpec.duration("retryAfter", "5s", "the Retry-After sent with 503 (whole seconds, at least 1)");

  /** How long delivery ids are remembered. */
  public static final OptionSpec<Duration> REPLAY_WINDOW =
      OptionSpec.duration(
          "replayWindow",
          "1h",
          "a delivery id (X-GitHub-Delivery, webhook-id) seen within this window is answered 200 and not emitted again");

  /** Timestamp tolerance of Standard Webhooks. */
  public static final OptionSpec<Duration> TOLERANCE =
      OptionSpec.duration(
          "tolerance", "5m", "verify=standard: refuse a webhook-timestamp further than this from now");

  /** TLS certificate. */
  public static final OptionSpec<String> TLS_CERT =
      OptionSpec.string("tlsCert", null, "webhooks://: PEM certificate chain file");

  /** TLS key. */
  public static final OptionSpec<String> TLS_KEY =
      OptionSpec.string("tlsKey", null, "webhooks://: PEM private key file (PKCS#8)");

  /** The provider ({@link java.util.ServiceLoader} makes it; {@code ChangeSources.open} finds it). */
  public WebhookProvider() {}

  @Override
  public String scheme() {
    return "webhook";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("webhook", "webhooks");
  }

  @Override
  public String usage() {
    return "webhook://HOST:PORT/PATH?verify=github|standard|none&secret=S (webhooks:// for TLS)";
  }

  @Override
  public String description() {
    return "an HTTP server: each signed POST (GitHub, Standard Webhooks) is an event; 503 + Retry-After instead of loss";
  }

  @Override
  public List<OptionSpec<?>> options() {
    return List.of(
        VERIFY,
        SECRET,
        INSECURE,
        PATHS,
        MAX_BODY,
        BACKLOG,
        ACCEPT_TIMEOUT,
        RETRY_AFTER,
        REPLAY_WINDOW,
        TOLERANCE,
        TLS_CERT,
        TLS_KEY);
  }

  @Override
  public ChangeSource create(SourceOptions options) {
    WebhookConfig config = config(options);
    return new ChangeSource() {
      @Override
      public Flux<ChangeEvent> events() {
        return WebhookServer.flux(config);
      }

      /**
       * Read on demand: a POST is answered 200 only once downstream asked for its event, and 503
       * with Retry-After when it did not in time, so the sender keeps what the consumer cannot
       * take yet. Coalescing in front (as for push sources) would accept every POST and merge or
       * overflow them instead — the loss the 503 exists to prevent.
       */
      @Override
      public Delivery delivery() {
        return Delivery.PULL;
      }
    };
  }

  static WebhookConfig config(SourceOptions o) {
    String src = o.redacted();
    URI uri;
    try {
      uri = new URI("http:" + o.target());
    } catch (URISyntaxException e) {
      throw new ChangeSourceException(src + ": bad address; expected " + o.scheme() + "://HOST:PORT/PATH");
    }
    String host = uri.getHost();
    if (host == null || uri.getPort() < 0) {
      throw new ChangeSourceException(
          src + ": missing host or port; expected " + o.scheme() + "://HOST:PORT/PATH, e.g. " + o.scheme() + "://127.0.0.1:8080/hooks");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (uri.getRawUserInfo() != null) {
      throw new ChangeSourceException(src + ": a webhook address takes no user-info; give the secret as option 'secret'", "secret", null);
    }
    List<String> paths = new ArrayList<>();
    String p = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
    paths.add(p);
    for (String extra : o.require(PATHS)) {
      String x = extra.startsWith("/") ? extra : "/" + extra;
      if (!paths.contains(x)) {
        paths.add(x);
      }
    }
    String verify = o.require(VERIFY);
    String secret = o.get(SECRET);
    Duration tolerance = o.require(TOLERANCE);
    Verifier verifier;
    if (verify.equals("none")) {
      if (!o.require(INSECURE) && !loopback(host)) {
        throw new ChangeSourceException(
            src + ": verify=none on " + host + " lets anyone post events; listen on 127.0.0.1 or add insecure=true",
            "verify",
            null);
      }
      verifier = Verifier.NONE;
    } else {
      if (secret == null || secret.isEmpty()) {
        throw new ChangeSourceException(
            src + ": verify=" + verify + " needs option 'secret' (the webhook's shared secret)", "secret", null);
      }
      if (verify.equals("github")) {
        verifier = new GithubVerifier(secret);
      } else {
        try {
          verifier = new StandardVerifier(secret, tolerance);
        } catch (IllegalArgumentException e) {
          throw new ChangeSourceException(src + ": option 'secret': " + e.getMessage(), "secret", null);
        }
      }
    }
    Path cert = file(o, TLS_CERT);
    Path key = file(o, TLS_KEY);
    boolean tls = o.scheme().equals("webhooks");
    if (tls && (cert == null || key == null)) {
      throw new ChangeSourceException(
          src + ": webhooks:// needs options 'tlsCert' and 'tlsKey' (PEM files)", cert == null ? "tlsCert" : "tlsKey", null);
    }
    if (!tls && (cert != null || key != null)) {
      throw new ChangeSourceException(
          src + ": tlsCert/tlsKey need the webhooks:// scheme", cert != null ? "tlsCert" : "tlsKey", null);
    }
    Duration acceptTimeout = o.require(ACCEPT_TIMEOUT);
    if (acceptTimeout.isZero() || acceptTimeout.isNegative()) {
      throw new ChangeSourceException(src + ": option 'acceptTimeout' must be positive", "acceptTimeout", null);
    }
    return new WebhookConfig(
        src,
        host,
        uri.getPort(),
        List.copyOf(paths),
        verifier,
        verify.equals("github"),
        verify.equals("standard"),
        o.require(MAX_BODY),
        o.require(BACKLOG),
        acceptTimeout,
        o.require(RETRY_AFTER),
        o.require(REPLAY_WINDOW),
        cert,
        key);
  }

  private static @Nullable Path file(SourceOptions o, OptionSpec<String> spec) {
    String v = o.get(spec);
    if (v == null) {
      return null;
    }
    Path p = Path.of(v);
    if (!Files.isReadable(p)) {
      throw new ChangeSourceException(
          o.redacted() + ": option '" + spec.name() + "': no readable file " + p, spec.name(), null);
    }
    return p;
  }

  private static boolean loopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
