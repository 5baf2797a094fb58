package io.changeflux.web.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSourceException;
import io.changeflux.spi.Readiness;
import io.netty.buffer.ByteBuf;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * One subscription's HTTP server: binds on subscription, unbinds on cancel. Each accepted POST
 * becomes one event, handed to the subscriber through a {@link HandOff}; the request is answered
 * 200 only once the subscriber took the event, and 503 with {@code Retry-After} when it did not in
 * time (the consumer is stalled), so the sender retries and nothing accepted is lost.
 *
 * <p>Events reach the subscriber on a thread of this subscription ({@code changeflux-web-N}), never
 * on a Netty event loop, so a blocking consumer cannot stall the server's other requests.
 */
public final class WebhookServer {

  private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);
  private static final AtomicInteger IDS = new AtomicInteger();

  /** Events handed across to the subscriber's thread at a time; small so the backlog rules. */
  static final int PREFETCH = 8;

  private final WebhookConfig c;
  private final FluxSink<ChangeEvent> sink;
  private final HandOff handOff;
  private final DeliveryIds ids;
  private final OncePerMinute unauthorized = new OncePerMinute();
  private final OncePerMinute refused = new OncePerMinute();
  private final OncePerMinute malformed = new OncePerMinute();
  private final OncePerMinute tooLarge = new OncePerMinute();
  private final AtomicReference<DisposableServer> server = new AtomicReference<>();
  /** Every accepted connection, closed on cancel (keep-alive connections outlive the listener). */
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

  private WebhookServer(WebhookConfig c, FluxSink<ChangeEvent> sink) {
    this.c = c;
    this.sink = sink;
    this.handOff = new HandOff(c.backlog(), sink);
    this.ids = new DeliveryIds(c.replayWindow().toNanos(), 100_000);
  }

  /** The events of one server; each subscription binds its own. */
  public static Flux<ChangeEvent> flux(WebhookConfig c) {
    return Flux.defer(
        () -> {
          Scheduler scheduler = Schedulers.newSingle("changeflux-web-" + IDS.incrementAndGet(), true);
          return Flux.<ChangeEvent>create(
                  sink -> new WebhookServer(c, sink).start(), FluxSink.OverflowStrategy.BUFFER)
              .publishOn(scheduler, PREFETCH)
              .doFinally(s -> scheduler.dispose());
        });
  }

  private void start() {
    HttpServer http =
        HttpServer.create().host(c.host()).port(c.port()).channelGroup(connections).handle(this::handle);
    java.nio.file.Path cert = c.tlsCert();
    java.nio.file.Path key = c.tlsKey();
    if (cert != null && key != null) { // given together (WebhookProvider checks)
      http =
          http.secure(
              spec ->
                  spec.sslContext(
                      Http11SslContextSpec.forServer(cert.toFile(), key.toFile())));
    }
    Disposable binding;
    try {
      binding =
          http.bind()
              .subscribe(
                  ds -> {
                    server.set(ds);
                    if (sink.isCancelled()) {
                      ds.dispose();
                      return;
                    }
                    log.info("{}: listening on {}:{} {}", c.source(), c.host(), ds.port(), c.paths());
                    Readiness.signal(sink.contextView());
                  },
                  e ->
                      sink.error(
                          new ChangeSourceException(
                              c.source() + ": cannot listen on " + c.host() + ":" + c.port() + ": " + e,
                              e)));
    } catch (RuntimeException e) { // a bad certificate or key file fails while configuring TLS
      sink.error(new ChangeSourceException(c.source() + ": cannot start the server: " + e, e));
      return;
    }
    sink.onDispose(
        () -> {
          binding.dispose();
          handOff.close();
          connections.close();
          DisposableServer ds = server.getAndSet(null);
          if (ds != null) {
            unbind(ds);
          }
        });
  }

  /**
   * Closes the listening socket; when cancelled from a thread that may block, waits (up to 5 s)
   * until it is closed, so that the port can be bound again as soon as cancel returns.
   */
  private void unbind(DisposableServer ds) {
    if (Schedulers.isInNonBlockingThread()) {
      ds.dispose();
      return;
    }
    try {
      ds.disposeNow(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      log.debug("{}: closing the server took longer than 5 s: {}", c.source(), e.toString());
    }
  }

  private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
    String path = req.fullPath();
    if (path.isEmpty()) {
      path = "/";
    }
    if (!c.paths().contains(path)) {
      return answer(res, HttpResponseStatus.NOT_FOUND, "no webhook at this path\n");
    }
    if (!HttpMethod.POST.equals(req.method())) {
      res.header("Allow", "POST");
      return answer(res, HttpResponseStatus.METHOD_NOT_ALLOWED, "only POST\n");
    }
    String length = req.requestHeaders().get("Content-Length");
    if (length != null) {
      long n;
      try {
        n = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n > c.maxBody()) {
        return tooLarge(res, path);
      }
    }
    String p = path;
    return req.receive()
        .reduceWith(
            ByteArrayOutputStream::new,
            (out, buf) -> {
              append(out, buf);
              return out;
            })
        .map(ByteArrayOutputStream::toByteArray)
        .defaultIfEmpty(new byte[0])
        .flatMap(body -> Mono.from(accept(req, res, p, body)))
        .onErrorResume(TooLarge.class, e -> Mono.from(tooLarge(res, p)));
  }

  private void append(ByteArrayOutputStream out, ByteBuf buf) {
    int n = buf.readableBytes();
    if (out.size() + (long) n > c.maxBody()) {
      throw new TooLarge();
    }
    byte[] chunk = new byte[n];
    buf.readBytes(chunk);
    out.write(chunk, 0, n);
  }

  private Publisher<Void> accept(HttpServerRequest req, HttpServerResponse res, String path, byte[] body) {
    java.util.function.Function<String, String> header = name -> req.requestHeaders().get(name);
    String why = c.verifier().check(header, body, System.currentTimeMillis() / 1000);
    if (why != null) {
      long n = unauthorized.count(System.nanoTime());
      if (n > 0) {
        log.warn(
            "{}: refused a request to {} from {}: {} ({} refused unverified so far; logged at most once a minute)",
            c.source(),
            path,
            req.remoteAddress(),
            why,
            n);
      }
      return answer(res, HttpResponseStatus.UNAUTHORIZED, "bad signature\n");
    }
    String githubEvent = c.standard() ? null : header.apply(GithubVerifier.EVENT);
    if ("ping".equals(githubEvent)) {
      log.info("{}: GitHub ping on {}", c.source(), path);
      return answer(res, HttpResponseStatus.OK, "pong\n");
    }
    String id = c.verifier().deliveryId(header);
    if (id != null && !ids.reserve(id, System.nanoTime())) {
      log.debug("{}: delivery {} seen before; answered without a second event", c.source(), id);
      return answer(res, HttpResponseStatus.OK, "duplicate\n");
    }
    WebhookEvents.Mapped m = WebhookEvents.map(c.source(), path, githubEvent, id, c.standard(), body);
    if (m.malformed) {
      long n = malformed.count(System.nanoTime());
      if (n > 0) {
        log.warn(
            "{}: a request to {} is not the JSON its scheme sends; passed on as raw payload ({} so far; logged at most once a minute)",
            c.source(),
            path,
            n);
      }
    }
    HandOff.Ticket t = handOff.offer(m.event);
    return Mono.fromFuture(t.outcome(), true)
        .timeout(
            c.acceptTimeout(),
            Mono.defer(
                () -> {
                  t.withdraw(); // false when just taken: then the outcome is DELIVERED
                  return Mono.fromFuture(t.outcome(), true);
                }))
        .doOnCancel(t::withdraw) // the sender hung up: it will retry
        .flatMap(
            outcome -> {
              if (outcome == HandOff.Outcome.DELIVERED) {
                return Mono.from(answer(res, HttpResponseStatus.OK, "accepted\n"));
              }
              if (id != null) {
                ids.release(id);
              }
              long n = refused.count(System.nanoTime());
              if (n > 0) {
                log.warn(
                    "{}: the consumer is not keeping up ({} events waiting); answered 503 with Retry-After ({} so far; logged at most once a minute)",
                    c.source(),
                    handOff.size(),
                    n);
              }
              res.header("Retry-After", Long.toString(Math.max(1, c.retryAfter().toSeconds())));
              return Mono.from(answer(res, HttpResponseStatus.SERVICE_UNAVAILABLE, "busy, retry later\n"));
            });
  }

  private Publisher<Void> tooLarge(HttpServerResponse res, String path) {
    long n = tooLarge.count(System.nanoTime());
    if (n > 0) {
      log.warn(
          "{}: refused a body to {} larger than maxBody={} bytes ({} so far; logged at most once a minute)",
          c.source(),
          path,
          c.maxBody(),
          n);
    }
    res.header("Connection", "close");
    return answer(res, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body larger than " + c.maxBody() + " bytes\n");
  }

  private static Publisher<Void> answer(HttpServerResponse res, HttpResponseStatus status, String text) {
    return res.status(status)
        .header("Content-Type", "text/plain; charset=utf-8")
        .sendString(Mono.just(text))
        .then();
  }

  private static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super("body too large", null, false, false);
    }
  }
}
