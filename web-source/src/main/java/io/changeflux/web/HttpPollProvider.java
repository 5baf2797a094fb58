package io.changeflux.web;

import com.fasterxml.jackson.core.JsonPointer;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import io.changeflux.spi.ChangeSourceProvider;
import io.changeflux.web.internal.HttpPollConfig;
import io.changeflux.web.internal.HttpPoller;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@code http://} and {@code https://} schemes: a URL polled with conditional GETs.
 *
 * <pre>
 * https://api.example.com/thing?interval=30s
 * https://api.github.com/repos/OWNER/REPO/git/refs/heads/main?select=/object/sha&amp;authorization=Bearer%20TOKEN
 * </pre>
 *
 * <p>The key of every event is the URL. The first answer is the baseline; afterwards a changed
 * body (or the field {@code select} points at) is MODIFIED with {@code sha} = its SHA-256 (or the
 * ETag with {@code id=etag}), 404/410 after content is DELETED and content after 404 CREATED. The
 * URL's own query cannot be given (the query holds this scheme's options).
 */
public final class HttpPollProvider implements ChangeSourceProvider {

  private static final AtomicInteger IDS = new AtomicInteger();

  /** The provider ({@link java.util.ServiceLoader} makes it; {@code ChangeSources.open} finds it). */
  public HttpPollProvider() {}

  /** Least time between polls. */
  public static final OptionSpec<Duration> INTERVAL =
      OptionSpec.duration(
          "interval", "30s", "least time between polls (Retry-After and X-Poll-Interval can only make it longer)");

  /** A JSON pointer to the watched field. */
  public static final OptionSpec<String> SELECT =
      OptionSpec.string("select", null, "JSON pointer to the one field to watch (/object/sha); default: the whole body");

  /** What the event's sha is. */
  public static final OptionSpec<String> ID =
      OptionSpec.choice(
          "id",
          "content",
          "the event's sha: content (SHA-256 of the body or selected field), etag, or value (the selected field itself, e.g. a commit id)",
          "content",
          "etag",
          "value");

  /** The Authorization header. */
  public static final OptionSpec<String> AUTHORIZATION =
      OptionSpec.string(
              "authorization", null, "the Authorization header (Bearer TOKEN); or user:password@ in the URL for Basic")
          .sensitive();

  /** The Accept header. */
  public static final OptionSpec<String> ACCEPT =
      OptionSpec.string("accept", null, "the Accept header (application/vnd.github+json)");

  /** The longest a poll may take. */
  public static final OptionSpec<Duration> TIMEOUT =
      OptionSpec.duration("timeout", "10s", "the longest one poll may take before it counts as an error");

  /** The longest back-off. */
  public static final OptionSpec<Duration> MAX_BACKOFF =
      OptionSpec.duration("maxBackoff", "5m", "after errors, wait at most this long between polls (with jitter)");

  /** The largest body read. */
  public static final OptionSpec<Integer> MAX_BODY =
      OptionSpec.integer("maxBody", 16_777_216, 1, Integer.MAX_VALUE - 16, "largest response body in bytes; larger is an error");

  @Override
  public String scheme() {
    return "http";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("http", "https");
  }

  @Override
  public String usage() {
    return "http://HOST[:PORT]/PATH?interval=30s[&select=/JSON/POINTER] (https:// for TLS)";
  }

  @Override
  public String description() {
    return "polls a URL with conditional GETs (ETag, Last-Modified) and reports when it, or one JSON field, changes";
  }

  @Override
  public List<OptionSpec<?>> options() {
    return List.of(INTERVAL, SELECT, ID, AUTHORIZATION, ACCEPT, TIMEOUT, MAX_BACKOFF, MAX_BODY);
  }

  @Override
  public ChangeSource create(SourceOptions options) {
    HttpPollConfig config = config(options);
    // A push source: ChangeSources.open coalesces behind it with the coalesce bound.
    return () ->
        Flux.defer(
            () -> {
              Scheduler scheduler = Schedulers.newSingle("changeflux-http-" + IDS.incrementAndGet(), true);
              return Flux.<io.changeflux.ChangeEvent>create(
                      sink -> HttpPoller.open(config, sink, scheduler), FluxSink.OverflowStrategy.BUFFER)
                  .doFinally(s -> scheduler.dispose());
            });
  }

  static HttpPollConfig config(SourceOptions o) {
    String src = o.redacted();
    URI uri;
    try {
      uri = new URI(o.scheme() + ":" + o.target());
    } catch (URISyntaxException e) {
      throw new ChangeSourceException(src + ": bad URL: " + e.getReason());
    }
    if (uri.getHost() == null) {
      throw new ChangeSourceException(src + ": missing host; expected " + o.scheme() + "://HOST[:PORT]/PATH");
    }
    String authorization = o.get(AUTHORIZATION);
    String userInfo = uri.getUserInfo();
    if (userInfo != null) {
      if (authorization != null) {
        throw new ChangeSourceException(
            src + ": give either user:password@ in the URL or option 'authorization', not both", "authorization", null);
      }
      authorization = "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }
    String plain;
    try {
      plain = new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null).toASCIIString();
    } catch (URISyntaxException e) {
      throw new ChangeSourceException(src + ": bad URL: " + e.getReason());
    }
    String select = o.get(SELECT);
    JsonPointer pointer = null;
    if (select != null) {
      try {
        pointer = JsonPointer.compile(select);
      } catch (IllegalArgumentException e) {
        throw new ChangeSourceException(
            src + ": option 'select' = '" + select + "' is not a JSON pointer (accepted: /a/b/0, ~1 for /, ~0 for ~)", "select", null);
      }
    }
    if (o.require(ID).equals("value") && pointer == null) {
      throw new ChangeSourceException(src + ": id=value needs option 'select' (the field whose value is the id)", "id", null);
    }
    Duration interval = o.require(INTERVAL);
    positive(o, INTERVAL, interval);
    Duration timeout = o.require(TIMEOUT);
    positive(o, TIMEOUT, timeout);
    Duration maxBackoff = o.require(MAX_BACKOFF);
    positive(o, MAX_BACKOFF, maxBackoff);
    return new HttpPollConfig(
        src,
        plain,
        plain,
        interval,
        pointer,
        o.require(ID),
        authorization,
        o.get(ACCEPT),
        timeout,
        maxBackoff,
        o.require(MAX_BODY));
  }

  private static void positive(SourceOptions o, OptionSpec<Duration> spec, Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw new ChangeSourceException(
          o.redacted() + ": option '" + spec.name() + "' must be positive", spec.name(), null);
    }
  }
}
