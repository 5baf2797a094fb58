package io.changeflux.nats.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSourceException;
import io.changeflux.nats.NatsEnvelope;
import io.changeflux.spi.Readiness;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * One subscription to a JetStream durable pull consumer, on a thread of its own that owns the
 * connection. It pulls only what downstream requested (at most {@code batch} at a time), so
 * backpressure reaches the server: a consumer that stops requesting stops the pulls, and the
 * messages stay in the stream. Every pull expires after {@code fetchWait} with idle heartbeats at
 * half of it, so a pull lost in a server restart is replaced within that time.
 */
public final class PullLoop implements Connector.Hooks, Runnable {

  private static final Logger log = LoggerFactory.getLogger(PullLoop.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  /** API error code of "consumer not found". */
  private static final int CONSUMER_NOT_FOUND = 10014;

  private final NatsConfig cfg;
  private final FluxSink<ChangeEvent> sink;
  private final String stream;
  private final String durable;
  private final AtomicLong malformed = new AtomicLong();
  private final Object demand = new Object();
  private final Thread thread;
  private volatile boolean stopped;

  private PullLoop(NatsConfig cfg, FluxSink<ChangeEvent> sink) {
    this.cfg = cfg;
    this.sink = sink;
    this.stream = cfg.get(NatsConfig.STREAM);
    this.durable = cfg.get(NatsConfig.DURABLE);
    this.thread = new Thread(this, "changeflux-nats-pull-" + THREADS.incrementAndGet());
    this.thread.setDaemon(true);
  }

  /** The events of a durable consumer; each carries an acknowledgement handle. */
  public static Flux<ChangeEvent> events(NatsConfig cfg) {
    return Flux.create(
        sink -> {
          PullLoop loop = new PullLoop(cfg, sink);
          sink.onRequest(n -> loop.wake());
          sink.onDispose(loop::stop);
          loop.thread.start();
        },
        // Never more than requested is pulled, so this buffer stays within one pull.
        FluxSink.OverflowStrategy.BUFFER);
  }

  private void wake() {
    synchronized (demand) {
      demand.notifyAll();
    }
  }

  private void stop() {
    stopped = true;
    thread.interrupt();
  }

  @Override
  public void run() {
    Connection c = null;
    try {
      c = Connector.connect(cfg, "jetstream", this);
      ConsumerContext consumer;
      try {
        consumer = setUp(c);
      } catch (ChangeSourceException e) {
        throw e;
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        throw cfg.startFailure("cannot set up JetStream consumer '" + durable + "' on stream '" + stream + "'", e);
      }
      if (stopped) {
        return;
      }
      log.debug("{}: pulling from {}/{}", cfg.source(), stream, durable);
      Readiness.signal(sink.contextView());
      pull(c, consumer);
    } catch (ChangeSourceException e) {
      if (!stopped) {
        sink.error(e);
      }
    } catch (InterruptedException e) {
      // stopped
    } catch (RuntimeException | Error e) {
      if (!stopped) {
        sink.error(cfg.startFailure("JetStream consumer failed", e));
      }
    } finally {
      if (c != null) {
        Thread.interrupted(); // a stop() interrupt must not cut the close short
        try {
          c.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          log.debug("closing failed", e);
        }
      }
    }
  }

  private ConsumerContext setUp(Connection c) throws Exception {
    JetStreamManagement jsm = c.jetStreamManagement();
    List<String> subjects = cfg.subjects();
    Streams.ensure(jsm, cfg, stream);
    try {
      jsm.getConsumerInfo(stream, durable);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() != CONSUMER_NOT_FOUND) {
        throw e;
      }
      ConsumerConfiguration.Builder cc =
          ConsumerConfiguration.builder()
              .durable(durable)
              .ackPolicy(AckPolicy.Explicit)
              .deliverPolicy("new".equals(cfg.get(NatsConfig.DELIVER)) ? DeliverPolicy.New : DeliverPolicy.All)
              .ackWait(cfg.get(NatsConfig.ACK_WAIT))
              .maxAckPending(cfg.get(NatsConfig.MAX_ACK_PENDING));
      if (!subjects.isEmpty()) {
        cc.filterSubject(subjects.get(0)); // nats-server 2.9: one filter subject per consumer
      }
      jsm.addOrUpdateConsumer(stream, cc.build());
      log.info("{}: created durable consumer {} on stream {}", cfg.source(), durable, stream);
    }
    return c.getConsumerContext(stream, durable);
  }

  /** Creates a file-backed stream over {@code subjects} with an explicit duplicate window. */
  static void createStream(JetStreamManagement jsm, String stream, List<String> subjects, Duration window)
      throws Exception {
    try {
      jsm.addStream(
          StreamConfiguration.builder()
              .name(stream)
              .subjects(subjects)
              .storageType(StorageType.File)
              .duplicateWindow(window)
              .build());
      log.info("created stream {} over {}", stream, subjects);
    } catch (JetStreamApiException e) {
      // Another process may have created it between our check and now.
      try {
        jsm.getStreamInfo(stream);
      } catch (JetStreamApiException again) {
        throw e;
      }
    }
  }

  private void pull(Connection c, ConsumerContext consumer) throws InterruptedException {
    long expires = cfg.get(NatsConfig.FETCH_WAIT).toMillis();
    int batch = cfg.get(NatsConfig.BATCH);
    long backoff = Math.max(100, cfg.get(NatsConfig.RECONNECT_WAIT).toMillis());
    long failures = 0;
    while (!stopped) {
      long want = awaitDemand();
      if (want <= 0) {
        return;
      }
      int n = (int) Math.min(want, batch);
      FetchConsumer fetch = null;
      try {
        fetch = consumer.fetch(FetchConsumeOptions.builder().maxMessages(n).expiresIn(expires).build());
        Message m;
        int got = 0;
        while (!stopped && (m = fetch.nextMessage()) != null) {
          emit(m);
          got++;
        }
        failures = 0;
        if (got == 0 && !stopped) {
          // An idle pull: cheap moment to check the connection still carries our requests.
          Health.check(c, cfg, cfg.get(NatsConfig.CONNECT_TIMEOUT));
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        if (stopped) {
          return;
        }
        // The connection is down or the server restarting: jnats reconnects; pull again later.
        failures++;
        if (Long.bitCount(failures) == 1 && failures >= 4) {
          log.warn("{}: {} pulls failed in a row, still retrying: {}", cfg.source(), failures, cfg.describe(e));
        } else {
          log.debug("{}: pull failed, retrying: {}", cfg.source(), cfg.describe(e));
        }
        Thread.sleep(backoff);
      } finally {
        if (fetch != null) {
          closeQuietly(fetch);
        }
      }
    }
  }

  private void closeQuietly(FetchConsumer fetch) {
    try {
      fetch.close(); // unsubscribes the pull's inbox
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.debug("{}: closing a pull failed: {}", cfg.source(), cfg.describe(e));
    }
  }

  private long awaitDemand() throws InterruptedException {
    synchronized (demand) {
      while (!stopped && sink.requestedFromDownstream() <= 0) {
        demand.wait(1000);
      }
      return stopped ? 0 : sink.requestedFromDownstream();
    }
  }

  private void emit(Message m) {
    ChangeEvent.Builder b = Codec.decode(m, cfg.source(), this::malformed);
    if (m.isJetStream()) {
      b.header(NatsEnvelope.ID, Long.toString(m.metaData().streamSequence()));
    }
    AtomicBoolean acked = new AtomicBoolean();
    b.onAck(
        () -> {
          if (acked.compareAndSet(false, true)) {
            try {
              m.ack();
            } catch (RuntimeException e) {
              // Not acknowledged: the server redelivers it after ackWait.
              log.debug("{}: ack failed: {}", cfg.source(), cfg.describe(e));
            }
          }
        });
    sink.next(b.build());
  }

  private void malformed(String problem) {
    long n = malformed.incrementAndGet();
    if (n == 1 || Long.bitCount(n) == 1) {
      log.warn("{}: malformed envelope passed on as a raw message ({} so far): {}", cfg.source(), n, problem);
    }
  }
}
