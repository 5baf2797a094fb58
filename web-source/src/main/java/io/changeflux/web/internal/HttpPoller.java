package io.changeflux.web.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.spi.Readiness;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;

/**
 * One subscription's poll loop: a conditional GET every interval, one at a time (the next is
 * scheduled when the previous answered), on the subscription's own scheduler.
 *
 * <p>The first answer is the baseline and emits nothing. Then: 304 or an unchanged body, nothing;
 * a changed body (or selected field), MODIFIED; content after 404/410, CREATED; 404/410 after
 * content, DELETED. A server's {@code Retry-After} (429, 503) and {@code X-Poll-Interval} are
 * floors on the next wait; errors back off exponentially with jitter up to {@code maxBackoff}, and
 * the first answer after an outage emits OVERFLOW (changes may have been missed). A failure of the
 * very first poll to connect, resolve the host or authenticate is a start-up error.
 */
public final class HttpPoller {

  private static final Logger log = LoggerFactory.getLogger(HttpPoller.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpPollConfig c;
  private final FluxSink<ChangeEvent> sink;
  private final Scheduler scheduler;
  private final HttpClient client;

  // state, touched by one poll at a time (each poll is scheduled after the previous ended)
  private volatile boolean cancelled;
  private volatile @Nullable Disposable timer;
  private volatile @Nullable Disposable inflight;
  /** Whether readiness was signalled (the first poll ended). */
  private boolean signalled;
  /** Whether a baseline exists (some answer said what is there). */
  private boolean known;
  private boolean present;
  private @Nullable String sha;
  private @Nullable String etag;
  private @Nullable String lastModified;
  private int failures;
  private boolean outage;
  private @Nullable String lastProblem;

  /** A poller emitting into {@code sink}, timers on {@code scheduler}. */
  public HttpPoller(HttpPollConfig c, FluxSink<ChangeEvent> sink, Scheduler scheduler, HttpClient client) {
    this.c = c;
    this.sink = sink;
    this.scheduler = scheduler;
    this.client = client;
  }

  /** Starts polling now. */
  public void start() {
    sink.onDispose(this::cancel);
    schedule(Duration.ZERO);
  }

  private void cancel() {
    cancelled = true;
    Disposable t = timer;
    if (t != null) {
      t.dispose();
    }
    Disposable f = inflight;
    if (f != null) {
      f.dispose();
    }
  }

  private void schedule(Duration delay) {
    if (cancelled) {
      return;
    }
    try {
      timer = scheduler.schedule(this::poll, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException disposed) {
      // cancelled meanwhile
    }
  }

  /** One reply: status, headers, body. */
  private record Reply(int status, HttpHeaders headers, byte[] body) {}

  private static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super("body too large", null, false, false);
    }
  }

  private void poll() {
    if (cancelled) {
      return;
    }
    String inm = etag;
    String ims = lastModified;
    inflight =
        client
            .headers(
                h -> {
                  if (c.authorization() != null) {
                    h.set("Authorization", c.authorization());
                  }
                  if (c.accept() != null) {
                    h.set("Accept", c.accept());
                  }
                  if (inm != null) {
                    h.set("If-None-Match", inm);
                  }
                  if (ims != null) {
                    h.set("If-Modified-Since", ims);
                  }
                })
            .get()
            .uri(c.url())
            .response(
                (res, body) ->
                    body.asByteArray()
                        .reduceWith(
                            ByteArrayOutputStream::new,
                            (out, chunk) -> {
                              if (out.size() + (long) chunk.length > c.maxBody()) {
                                throw new TooLarge();
                              }
                              out.write(chunk, 0, chunk.length);
                              return out;
                            })
                        .map(out -> new Reply(res.status().code(), res.responseHeaders().copy(), out.toByteArray())))
            .single()
            .timeout(c.timeout())
            .publishOn(scheduler)
            .subscribe(this::onReply, this::onFailure);
  }

  private void onReply(Reply r) {
    if (cancelled) {
      return;
    }
    Instant now = Instant.now();
    Duration floor = c.interval();
    Duration asked = RetryAfter.parse(r.headers().get("X-Poll-Interval"), now);
    floor = max(floor, asked);
    int s = r.status();
    if (s == 304 || (s >= 200 && s < 300) || s == 404 || s == 410) {
      recovered();
      if (s == 304) {
        // not modified since our validators
      } else if (s == 404 || s == 410) {
        absent(String.valueOf(s));
      } else {
        content(r);
      }
      ready();
      schedule(floor);
      return;
    }
    Duration retryAfter = RetryAfter.parse(r.headers().get("Retry-After"), now);
    if (s == 429) {
      // throttled, not down: wait as asked (or back off), no OVERFLOW
      problem("answered 429 Too Many Requests" + (retryAfter != null ? ", Retry-After " + retryAfter.toSeconds() + "s" : ""));
      ready();
      schedule(max(floor, retryAfter != null ? retryAfter : backoff(++failures)));
      return;
    }
    if (!signalled && (s == 401 || s == 403)) {
      fail("answered " + s + " (check option 'authorization')");
      return;
    }
    failures++;
    outage = true;
    problem("answered " + s + (s >= 300 && s < 400 ? " (redirect to " + r.headers().get("Location") + "; poll that URL)" : ""));
    ready();
    schedule(max(max(floor, retryAfter), backoff(failures)));
  }

  private void onFailure(Throwable t) {
    if (cancelled) {
      return;
    }
    if (!signalled && (t instanceof ConnectException || t instanceof UnknownHostException || t.getCause() instanceof UnknownHostException)) {
      fail("cannot connect: " + t.getMessage());
      return;
    }
    failures++;
    outage = true;
    problem(t instanceof TooLarge ? "body larger than maxBody=" + c.maxBody() + " bytes" : "failed: " + t);
    ready();
    schedule(max(c.interval(), backoff(failures)));
  }

  private void fail(String why) {
    sink.error(new ChangeSourceException(c.source() + ": " + why));
  }

  private void problem(String what) {
    if (!what.equals(lastProblem)) {
      log.warn("{}: {}; will poll again", c.source(), what);
      lastProblem = what;
    }
  }

  private void ready() {
    if (!signalled) {
      signalled = true;
      Readiness.signal(sink.contextView());
    }
  }

  private void recovered() {
    if (failures > 0 && lastProblem != null) {
      log.info("{}: answering again after {} failed polls", c.source(), failures);
    }
    if (outage && known) {
      sink.next(
          ChangeEvent.builder(ChangeKind.OVERFLOW, c.key())
              .source(c.source())
              .header("reason", "outage")
              .build());
    }
    failures = 0;
    outage = false;
    lastProblem = null;
  }

  private void absent(String status) {
    etag = null;
    lastModified = null;
    if (present && known) {
      sink.next(ChangeEvent.builder(ChangeKind.DELETED, c.key()).source(c.source()).header("status", status).build());
    }
    present = false;
    known = true;
    sha = null;
  }

  private void content(Reply r) {
    String newEtag = r.headers().get("ETag");
    String newLm = r.headers().get("Last-Modified");
    byte[] value = r.body();
    if (c.select() != null) {
      JsonNode root;
      try {
        root = JSON.readTree(r.body());
      } catch (IOException e) {
        root = null;
      }
      if (root == null) {
        problem("body is not JSON, cannot select " + c.select());
        return; // state kept: a bad answer is not a change
      }
      JsonNode n = root.at(c.select());
      if (n.isMissingNode()) {
        absent("missing " + c.select());
        return;
      }
      value = (n.isValueNode() ? n.asText() : n.toString()).getBytes(StandardCharsets.UTF_8);
    }
    etag = newEtag;
    lastModified = newLm;
    String newSha =
        c.id().equals("etag") && newEtag != null
            ? newEtag
            : c.id().equals("value") ? new String(value, StandardCharsets.UTF_8) : Hmac.sha256Hex(value);
    boolean wasKnown = known;
    boolean wasPresent = present;
    boolean changed = !newSha.equals(sha);
    present = true;
    known = true;
    sha = newSha;
    if (!wasKnown || (wasPresent && !changed)) {
      return;
    }
    ChangeEvent.Builder b =
        ChangeEvent.builder(wasPresent ? ChangeKind.MODIFIED : ChangeKind.CREATED, c.key())
            .source(c.source())
            .sha(newSha)
            .payload(value)
            .header("status", Integer.toString(r.status()));
    if (newEtag != null) {
      b.header("ETag", newEtag);
    }
    if (newLm != null) {
      b.header("Last-Modified", newLm);
    }
    sink.next(b.build());
  }

  private Duration backoff(int n) {
    Duration base = max(c.interval(), Duration.ofSeconds(1));
    long nanos = base.toNanos();
    for (int i = 1; i < n && nanos < c.maxBackoff().toNanos(); i++) {
      nanos *= 2;
    }
    nanos = Math.min(nanos, c.maxBackoff().toNanos());
    // full jitter on the upper half: spread many pollers of one server
    long jittered = nanos / 2 + ThreadLocalRandom.current().nextLong(nanos / 2 + 1);
    return Duration.ofNanos(jittered);
  }

  private static Duration max(Duration a, @Nullable Duration b) {
    return b == null || a.compareTo(b) >= 0 ? a : b;
  }

  /** Opens a poll loop for one subscription. */
  public static void open(HttpPollConfig c, FluxSink<ChangeEvent> sink, Scheduler scheduler) {
    HttpClient client =
        HttpClient.create()
            .followRedirect(false)
            .responseTimeout(c.timeout())
            .headers(h -> h.set("User-Agent", "changeflux"));
    new HttpPoller(c, sink, scheduler, client).start();
  }
}
