package io.changeflux.nats.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.nats.NatsEnvelope;
import io.changeflux.spi.HealthReport;
import io.changeflux.spi.Readiness;
import io.nats.client.Connection;
import io.nats.client.Consumer;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * One subscription to core NATS subjects: its own connection and dispatcher. Messages are pushed
 * by the server: a push source ({@link io.changeflux.Delivery#PUSH}), which {@link
 * io.changeflux.ChangeSources#open} coalesces right behind it (bounded, merges per subject while
 * downstream is slow) instead of a queue; losses (a reconnect, client-side drops of a slow
 * consumer) become OVERFLOW events.
 */
public final class CoreSession implements Connector.Hooks {

  private static final Logger log = LoggerFactory.getLogger(CoreSession.class);

  private final NatsConfig cfg;
  private final FluxSink<ChangeEvent> sink;
  private final String overflowKey;
  private final AtomicLong malformed = new AtomicLong();
  private @Nullable Connection connection;
  private volatile @Nullable Dispatcher dispatcher;
  private boolean disposed;
  private long reportedDropped;

  private CoreSession(NatsConfig cfg, FluxSink<ChangeEvent> sink) {
    this.cfg = cfg;
    this.sink = sink;
    this.overflowKey = String.join(",", cfg.subjects());
  }

  /** The events of a core subscription, uncoalesced (the pipeline coalesces them). */
  public static Flux<ChangeEvent> events(NatsConfig cfg) {
    return Flux.<ChangeEvent>create(
            sink -> {
              CoreSession s = new CoreSession(cfg, sink);
              sink.onDispose(s::dispose);
              s.start();
            },
            // A push source: ChangeSources.open puts its coalescing stage right behind it, which
            // requests an unbounded amount and merges per key.
            FluxSink.OverflowStrategy.IGNORE);
  }

  private void start() {
    // A short-lived thread of our own: connecting blocks, and a thread that ends leaves nothing
    // behind once the subscription is cancelled.
    Thread t = new Thread(this::open, "changeflux-nats-connect");
    t.setDaemon(true);
    synchronized (this) {
      if (disposed) {
        return;
      }
    }
    t.start();
  }

  private void open() {
    Connection c;
    try {
      c = Connector.connect(cfg, "source", this);
    } catch (ChangeSourceException e) {
      sink.error(e);
      return;
    }
    synchronized (this) {
      if (disposed) {
        closeLater(c);
        return;
      }
      connection = c;
    }
    try {
      Dispatcher d = c.createDispatcher(this::onMessage);
      d.setPendingLimits(cfg.require(NatsConfig.PENDING_LIMIT), -1);
      dispatcher = d;
      String queue = cfg.get(NatsConfig.QUEUE);
      for (String subject : cfg.subjects()) {
        if (queue == null) {
          d.subscribe(subject);
        } else {
          d.subscribe(subject, queue);
        }
      }
      // A round trip: the server has registered every subscription when flush returns.
      c.flush(cfg.require(NatsConfig.CONNECT_TIMEOUT));
      log.debug("{}: subscribed", cfg.source());
      Readiness.signal(sink.contextView());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sink.error(cfg.startFailure("interrupted while subscribing", e));
    } catch (Exception e) {
      sink.error(cfg.startFailure("cannot subscribe", e));
    }
  }

  private void onMessage(Message m) {
    Dispatcher d = dispatcher;
    if (d != null) {
      long dropped = d.getDroppedCount();
      if (dropped != reportedDropped) {
        long lost = dropped - reportedDropped;
        reportedDropped = dropped;
        sink.next(
            ChangeEvent.builder(ChangeKind.OVERFLOW, overflowKey)
                .source(cfg.source())
                .count((int) Math.min(Integer.MAX_VALUE, Math.max(1, lost)))
                .header(NatsEnvelope.REASON, "slow-consumer")
                .header(NatsEnvelope.DROPPED, Long.toString(lost))
                .build());
      }
    }
    sink.next(Codec.decode(m, cfg.source(), this::malformed).build());
  }

  private void malformed(String problem) {
    long n = malformed.incrementAndGet();
    if (n == 1 || Long.bitCount(n) == 1) {
      log.warn("{}: malformed envelope passed on as a raw message ({} so far): {}", cfg.source(), n, problem);
    }
  }

  /** The DEGRADED reason while the connection is lost. */
  static final String RECONNECTING = "reconnecting";

  @Override
  public void disconnected() {
    HealthReport.degraded(sink.contextView(), RECONNECTING);
  }

  @Override
  public void reconnected() {
    HealthReport.recovered(sink.contextView(), RECONNECTING);
    HealthReport.reconnected(sink.contextView());
    sink.next(
        ChangeEvent.builder(ChangeKind.OVERFLOW, overflowKey)
            .source(cfg.source())
            .header(NatsEnvelope.REASON, "reconnect")
            .build());
  }

  @Override
  public void slowConsumer(Consumer consumer) {
    // Counted in onMessage, where the dropped count is turned into one OVERFLOW in order.
  }

  private void dispose() {
    Connection c;
    synchronized (this) {
      disposed = true;
      c = connection;
      connection = null;
    }
    // A connect in progress is not interrupted (jnats 2.25 then gives up its own clean-up half-way
    // and leaves the connection's threads running); it ends within connectTimeout and open()
    // closes what it got.
    if (c != null) {
      closeLater(c);
    }
  }

  /** Closes off the calling thread: it may be a jnats dispatcher thread, which close() joins. */
  static void closeLater(Connection c) {
    Thread t =
        new Thread(
            () -> {
              try {
                c.close();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException e) {
                log.debug("closing a NATS connection failed", e);
              }
            },
            "changeflux-nats-close");
    t.setDaemon(true);
    t.start();
  }
}
