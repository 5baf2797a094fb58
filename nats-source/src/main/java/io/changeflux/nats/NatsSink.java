package io.changeflux.nats;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSink;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.SourceOptions;
import io.changeflux.nats.internal.Codec;
import io.changeflux.nats.internal.Connector;
import io.changeflux.nats.internal.Health;
import io.changeflux.nats.internal.NatsConfig;
import io.changeflux.nats.internal.PublishFailures;
import io.changeflux.nats.internal.Streams;
import io.changeflux.spi.ConfirmedPublishing;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import io.nats.client.impl.NatsMessage;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Publishes events to one NATS subject ({@code subjects=NAME}) in the {@link NatsEnvelope}
 * format, to core NATS or, with {@code stream=S}, to JetStream.
 *
 * <ul>
 *   <li>Core NATS: each event is published in order; the returned {@code Mono} completes after a
 *       flush round trip confirmed that the server received everything. While the connection is
 *       down, jnats buffers publishes (8 MiB) and reconnects; subscribers miss what was sent while
 *       they were disconnected.
 *   <li>JetStream: at most {@code maxInFlight} publishes await the server's ack at once. A
 *       transient failure (I/O, timeout, no responders while JetStream is not ready, the
 *       connection being re-established) is retried with backoff (with {@code Nats-Msg-Id}, so the
 *       stream stores it once) until the server acks it or the connection is closed for good,
 *       logged at WARN once per kind of failure. A permanent failure — payload over the server's
 *       {@code max_payload}, no permission to publish to the subject, no stream or another stream
 *       bound to the subject, a message the stream rejects — fails the returned {@code Mono} with
 *       a {@link ChangeSourceException} naming it; the event is not acknowledged. The stream is
 *       created over the subject when missing ({@code createStream=true}).
 * </ul>
 *
 * <p>{@code events} is subscribed once the connection (and the stream) is established, so a
 * readiness callback put in the returned {@code Mono}'s context ({@code
 * publish(events).contextWrite(ChangeSources.onReady(cb))}) runs when both ends are up: the sink
 * connected and the source established.
 *
 * <p>Each event is acknowledged ({@link ChangeEvent#ack()}) once published (JetStream: once the
 * server acked it), so a relay from an at-least-once source read with {@code ack=manual} loses
 * nothing.
 */
public final class NatsSink implements ChangeSink {

  private static final Logger log = LoggerFactory.getLogger(NatsSink.class);

  private final NatsConfig cfg;
  private final String subject;

  NatsSink(NatsConfig cfg) {
    this.cfg = cfg;
    this.subject = cfg.subjects().get(0);
  }

  /**
   * A sink for {@code nats://host:port?subjects=NAME[&stream=S]} (or {@code tls://}).
   *
   * @throws ChangeSourceException on a bad URI or option
   * @param uri the sink URI, such as {@code nats://host:port?subjects=NAME}; validated here
   * @return the sink; it connects only when a {@link #publish} is subscribed
   */
  public static NatsSink of(String uri) {
    return of(SourceOptions.parse(uri));
  }

  /**
   * A sink from options of the {@code nats} or {@code tls} scheme.
   *
   * @param options options of the {@code nats} or {@code tls} scheme; validated here
   * @return the sink; it connects only when a {@link #publish} is subscribed
   * @throws ChangeSourceException when the scheme is another, or on a bad option
   */
  public static NatsSink of(SourceOptions options) {
    NatsProvider provider = new NatsProvider();
    if (!provider.schemes().contains(options.scheme())) {
      throw new ChangeSourceException(options.redacted() + ": not a nats: or tls: URI");
    }
    return (NatsSink) provider.createSink(options.validate(ChangeSources.options(provider)));
  }

  @Override
  public Mono<Void> publish(Flux<ChangeEvent> events) {
    String stream = cfg.get(NatsConfig.STREAM);
    return Mono.defer(
        () -> {
          Session session = new Session();
          return Mono.usingWhen(
              Mono.fromCallable(() -> open(stream, session)).subscribeOn(Schedulers.boundedElastic()),
              c -> stream == null ? core(c, events) : jetStream(c, stream, events, session),
              c -> Mono.fromRunnable(() -> close(c)).subscribeOn(Schedulers.boundedElastic()),
              (c, err) -> Mono.fromRunnable(() -> close(c)).subscribeOn(Schedulers.boundedElastic()),
              c -> Mono.fromRunnable(() -> close(c)).subscribeOn(Schedulers.boundedElastic()));
        });
  }

  /** What one {@code publish} learnt about its connection; fields are written on jnats threads. */
  private final class Session implements Connector.Hooks {
    volatile @Nullable String permissionViolation;
    final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public void serverError(String error) {
      if (PublishFailures.deniesPublishing(error, subject)) {
        permissionViolation = cfg.redact(error);
      }
    }
  }

  private Connection open(@Nullable String stream, Session session) {
    Connection c = Connector.connect(cfg, "sink", session);
    if (stream != null) {
      try {
        Streams.ensure(c.jetStreamManagement(), cfg, stream);
      } catch (ChangeSourceException e) {
        close(c);
        throw e;
      } catch (Exception e) {
        close(c);
        throw cfg.startFailure("cannot set up stream '" + stream + "'", e);
      }
    }
    return c;
  }

  private Mono<Void> core(Connection c, Flux<ChangeEvent> events) {
    Duration wait = cfg.require(NatsConfig.RECONNECT_WAIT);
    return events
        .publishOn(Schedulers.boundedElastic(), cfg.require(NatsConfig.MAX_IN_FLIGHT))
        .doOnNext(
            e -> {
              NatsMessage m = Codec.encode(e, subject);
              while (true) {
                try {
                  c.publish(m);
                  break;
                } catch (IllegalArgumentException tooLarge) {
                  throw cfg.startFailure("cannot publish '" + e.key() + "' to '" + subject + "'", tooLarge);
                } catch (IllegalStateException full) {
                  // The reconnect buffer is full or the connection is closed.
                  if (c.getStatus() == Connection.Status.CLOSED) {
                    throw cfg.startFailure("connection closed while publishing", full);
                  }
                  sleep(wait);
                }
              }
              e.ack();
            })
        .then(Mono.fromCallable(() -> flush(c)).subscribeOn(Schedulers.boundedElastic()))
        .then();
  }

  private boolean flush(Connection c) throws InterruptedException {
    Duration timeout = cfg.require(NatsConfig.CONNECT_TIMEOUT).multipliedBy(5);
    try {
      c.flush(timeout);
      return true;
    } catch (TimeoutException e) {
      throw cfg.startFailure("the server did not confirm the publishes within " + timeout.toMillis() + "ms", e);
    }
  }

  private Mono<Void> jetStream(Connection c, String stream, Flux<ChangeEvent> events, Session session) {
    JetStream js;
    try {
      js = c.jetStream();
    } catch (Exception e) {
      return Mono.error(cfg.startFailure("no JetStream", e));
    }
    int inFlight = cfg.require(NatsConfig.MAX_IN_FLIGHT);
    Duration wait = cfg.require(NatsConfig.RECONNECT_WAIT);
    PublishOptions po = PublishOptions.builder().expectedStream(stream).build();
    return ConfirmedPublishing.publish(
        events.publishOn(Schedulers.boundedElastic(), inFlight),
        inFlight,
            e -> {
              NatsMessage m = Codec.encode(e, subject);
              return Mono.defer(() -> Mono.fromFuture(js.publishAsync(m, po)))
                  // sorting may ask the server whether a stream is bound: never on a jnats thread
                  .onErrorResume(
                      t ->
                          Mono.fromCallable(() -> sort(t, c, stream, session, e))
                              .subscribeOn(Schedulers.boundedElastic())
                              .flatMap(Mono::error))
                  .retryWhen(
                      Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100))
                          .maxBackoff(wait.isZero() ? Duration.ofMillis(100) : wait)
                          .filter(t -> t instanceof Transient && c.getStatus() != Connection.Status.CLOSED)
                          .doBeforeRetry(
                              r -> {
                                Transient f = (Transient) r.failure();
                                if (session.warned.add(f.kind)) {
                                  log.warn(
                                      "{}: JetStream publish failed ({}), retrying until it succeeds: {}",
                                      cfg.source(),
                                      f.kind,
                                      cfg.describe(f.getCause()));
                                } else {
                                  log.debug("{}: publish not acknowledged ({}), retrying", cfg.source(), f.kind);
                                }
                                if (f.getCause() instanceof java.util.concurrent.CancellationException) {
                                  checkHealth(c); // no answer at all: is the connection stuck?
                                }
                              })
                          .onRetryExhaustedThrow((spec, r) -> r.failure()))
                  .onErrorMap(Transient.class, t -> cfg.startFailure("publish failed (" + t.kind + ")", t.getCause()))
                  .onErrorMap(t -> !(t instanceof ChangeSourceException), t -> cfg.startFailure("publish failed", t));
            });
  }

  /**
   * The permanent failure as a {@link ChangeSourceException}, or a {@link Transient} to retry.
   * Runs on {@code boundedElastic}: it may ask the server which streams hold the subject.
   */
  private Throwable sort(Throwable t, Connection c, String stream, Session session, ChangeEvent e) {
    PublishFailures.Verdict v =
        PublishFailures.classify(t, subject, session.permissionViolation, () -> streamBound(c, stream));
    if (!v.permanent) {
      return new Transient(v.kind, v.cause);
    }
    String why = "permission denied".equals(v.kind) && session.permissionViolation != null
        ? v.kind + " (" + session.permissionViolation + ")"
        : v.kind;
    log.warn("{}: JetStream publish of '{}' failed for good: {}", cfg.source(), e.key(), why);
    return cfg.startFailure("cannot publish '" + e.key() + "' to '" + subject + "': " + why, v.cause);
  }

  /**
   * Whether a stream holds the subject: false only when the server answers that none does while
   * the configured stream exists (a stream still being restored after a restart is not missing
   * for good); null when the server cannot tell now.
   */
  private @Nullable Boolean streamBound(Connection c, String stream) {
    try {
      io.nats.client.JetStreamManagement jsm = c.jetStreamManagement();
      if (!jsm.getStreamNames(subject).isEmpty()) {
        return true;
      }
      jsm.getStreamInfo(stream); // throws while the stream is missing
      return false;
    } catch (Exception unknown) {
      return null;
    }
  }

  /** A failure worth retrying, with its kind (logged once per kind). */
  private static final class Transient extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String kind;

    Transient(String kind, Throwable cause) {
      super(kind, cause, false, false);
      this.kind = kind;
    }
  }

  private final java.util.concurrent.atomic.AtomicBoolean checking = new java.util.concurrent.atomic.AtomicBoolean();

  private void checkHealth(Connection c) {
    if (checking.compareAndSet(false, true)) {
      Schedulers.boundedElastic()
          .schedule(
              () -> {
                try {
                  Health.check(c, cfg, cfg.require(NatsConfig.CONNECT_TIMEOUT));
                } finally {
                  checking.set(false);
                }
              });
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(Math.max(10, d.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void close(Connection c) {
    try {
      c.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.debug("{}: closing failed: {}", cfg.source(), cfg.describe(e));
    }
  }

  @Override
  public String toString() {
    return "NatsSink{" + cfg.source() + "}";
  }
}
