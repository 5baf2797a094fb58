package io.changeflux.nats.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.Delivery;
import io.changeflux.nats.NatsEnvelope;
import io.changeflux.spi.HealthReport;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
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
 *
 * <p>Acknowledgements never block the thread that runs them (a Reactor {@code parallel} thread, a
 * consumer's event loop): an event's handle keeps only the message's reply subject (not the
 * message and its payload) and queues it; an acker thread of this subscription publishes the
 * queued {@code +ACK}s and, after every {@value #ACK_BATCH}, flushes the connection (waits for the
 * server's PONG), so acknowledgements of a large merged event never flood the connection. A
 * publish that fails (the connection is reconnecting) is queued again and retried with backoff
 * while the subscription lives; on cancel, acknowledgements queued are sent before the connection
 * closes (for up to {@code 2s}).
 *
 * <p>Messages handed downstream and not yet acknowledged (a debounce batch waiting for a stalled
 * consumer holds up to its budget of them) are kept from redelivery: every third of {@code ackWait}
 * the acker sends them {@code +WPI} ("in progress"), and a redelivery of one still held (after a
 * reconnect) is not passed on again.
 */
public final class PullLoop implements Connector.Hooks, Runnable {

  private static final Logger log = LoggerFactory.getLogger(PullLoop.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  /** API error code of "consumer not found". */
  private static final int CONSUMER_NOT_FOUND = 10014;
  /** Acknowledgements published between two flushes. */
  static final int ACK_BATCH = 1_000;
  private static final byte[] ACK = "+ACK".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] IN_PROGRESS = "+WPI".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final NatsConfig cfg;
  private final FluxSink<ChangeEvent> sink;
  private final String stream;
  private final String durable;
  private final AtomicLong malformed = new AtomicLong();
  private final Object demand = new Object();
  private final Thread thread;
  private volatile boolean stopped;
  /**
   * Whether stop() may interrupt the thread (guarded by {@link #demand}): never while jnats
   * connects or closes, where an interrupt leaves the connection's threads running (jnats 2.25
   * gives up its own clean-up half-way on one). Connecting is bounded by connectTimeout anyway.
   */
  private boolean interruptible;
  /** Reply subjects of messages to acknowledge. */
  private final java.util.concurrent.ConcurrentLinkedQueue<String> toAck =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final Object ackSignal = new Object();
  private volatile @Nullable Thread acker;
  private final AtomicLong ackFailures = new AtomicLong();
  /** Stream sequence → reply subject of messages handed downstream and not acknowledged yet. */
  private final java.util.concurrent.ConcurrentHashMap<Long, String> held =
      new java.util.concurrent.ConcurrentHashMap<>();

  private PullLoop(NatsConfig cfg, FluxSink<ChangeEvent> sink) {
    this.cfg = cfg;
    this.sink = sink;
    this.stream = cfg.require(NatsConfig.STREAM); // a pull source is made for stream + durable only
    this.durable = cfg.require(NatsConfig.DURABLE);
    this.thread = new Thread(this, "changeflux-nats-pull-" + THREADS.incrementAndGet());
    this.thread.setDaemon(true);
  }

  /** A durable consumer as a {@link Delivery#PULL} source. */
  public static ChangeSource source(NatsConfig cfg) {
    return new ChangeSource() {
      @Override
      public Flux<ChangeEvent> events() {
        return PullLoop.events(cfg);
      }

      @Override
      public Delivery delivery() {
        return Delivery.PULL;
      }
    };
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
    synchronized (demand) {
      stopped = true;
      demand.notifyAll();
      if (interruptible) {
        thread.interrupt();
      }
    }
  }

  /** Lets stop() interrupt from now on, or (false) no longer; returns whether it was stopped. */
  private boolean interruptible(boolean on) {
    synchronized (demand) {
      interruptible = on && !stopped;
      if (!on) {
        Thread.interrupted(); // a stop() interrupt must not cut a close short
      }
      return stopped;
    }
  }

  @Override
  public void run() {
    Connection c = null;
    try {
      c = Connector.connect(cfg, "jetstream", this);
      if (interruptible(true)) {
        return;
      }
      startAcker(c);
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
      interruptible(false);
      if (c != null) {
        stopAcker();
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
              .deliverPolicy("new".equals(cfg.require(NatsConfig.DELIVER)) ? DeliverPolicy.New : DeliverPolicy.All)
              .ackWait(cfg.require(NatsConfig.ACK_WAIT))
              .maxAckPending(cfg.require(NatsConfig.MAX_ACK_PENDING));
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
    long expires = cfg.require(NatsConfig.FETCH_WAIT).toMillis();
    int batch = cfg.require(NatsConfig.BATCH);
    long backoff = Math.max(100, cfg.require(NatsConfig.RECONNECT_WAIT).toMillis());
    long failures = 0;
    while (!stopped) {
      long want = awaitDemand();
      if (want <= 0) {
        return;
      }
      int n = (int) Math.min(want, batch);
      FetchConsumer fetch = null;
      try {
        // jnats times the fetch on its own clock (from the first nextMessage()) and, when that runs
        // out first, unsubscribes the inbox at once: a message the server sends at the pull's very
        // end is then dropped unseen, counted delivered by the server and redelivered after ackWait
        // (its first delivery here). Rare (1-2 in 1,000,000 in PullBacklogTest), never a duplicate.
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
          Health.check(c, cfg, cfg.require(NatsConfig.CONNECT_TIMEOUT));
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
  }

  private void emit(Message m) {
    ChangeEvent.Builder b = Codec.decode(m, cfg.source(), this::malformed);
    if (m.isJetStream()) {
      b.header(NatsEnvelope.ID, Long.toString(m.metaData().streamSequence()));
      if (m.metaData().deliveredCount() > 1) {
        HealthReport.redelivered(sink.contextView(), 1);
      }
    }
    String replyTo = m.getReplyTo();
    if (replyTo != null) {
      long seq = m.isJetStream() ? m.metaData().streamSequence() : -1;
      if (seq >= 0 && held.putIfAbsent(seq, replyTo) != null) {
        return; // a redelivery of a message handed downstream and not acknowledged yet
      }
      b.onAck(new Ack(seq, replyTo));
    }
    sink.next(b.build());
  }

  /** The handle of one message: its reply subject, queued once however often it runs. */
  private final class Ack implements Runnable {
    final long seq;
    final String replyTo;
    volatile int done;

    Ack(long seq, String replyTo) {
      this.seq = seq;
      this.replyTo = replyTo;
    }

    @Override
    public void run() {
      if (done == 0 && DONE.compareAndSet(this, 0, 1)) {
        HealthReport.acknowledged(sink.contextView(), 1);
        held.remove(seq);
        toAck.add(replyTo);
        synchronized (ackSignal) {
          ackSignal.notifyAll();
        }
      }
    }
  }

  private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<Ack> DONE =
      java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(Ack.class, "done");

  private void startAcker(Connection c) {
    Thread t = new Thread(() -> ackLoop(c), thread.getName() + "-ack");
    t.setDaemon(true);
    acker = t;
    t.start();
  }

  /** Ends the acker once what is queued was sent (at most 2 s); the connection is still open. */
  private void stopAcker() {
    Thread t = acker;
    if (t == null) {
      return;
    }
    synchronized (ackSignal) {
      ackSignal.notifyAll();
    }
    try {
      t.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    t.interrupt();
    if (!toAck.isEmpty()) {
      log.debug("{}: {} acknowledgements not sent before close; the server redelivers them after ackWait", cfg.source(), toAck.size());
    }
  }

  /** Tells the server the messages held downstream are still being worked on (resets their ackWait). */
  private void inProgress(Connection c, Duration flushWait) {
    if (held.isEmpty()) {
      return;
    }
    int sent = 0;
    try {
      for (String replyTo : held.values()) {
        c.publish(replyTo, IN_PROGRESS);
        if (++sent % ACK_BATCH == 0) {
          c.flush(flushWait);
        }
      }
      c.flush(flushWait);
      log.debug("{}: {} messages held downstream marked in progress", cfg.source(), sent);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.debug("{}: marking held messages in progress failed: {}", cfg.source(), cfg.describe(e));
    }
  }

  /** Publishes queued acknowledgements, flushing after every {@link #ACK_BATCH}; retries failures. */
  private void ackLoop(Connection c) {
    long backoff = Math.max(100, cfg.require(NatsConfig.RECONNECT_WAIT).toMillis());
    Duration flushWait = cfg.require(NatsConfig.CONNECT_TIMEOUT);
    long progressEvery = Math.max(1, cfg.require(NatsConfig.ACK_WAIT).toNanos() / 3);
    long nextProgress = System.nanoTime() + progressEvery;
    while (true) {
      if (System.nanoTime() - nextProgress >= 0) {
        nextProgress = System.nanoTime() + progressEvery;
        if (!stopped) {
          inProgress(c, flushWait);
        }
      }
      String replyTo = toAck.peek();
      if (replyTo == null) {
        if (stopped) {
          return;
        }
        synchronized (ackSignal) {
          if (toAck.isEmpty() && !stopped) {
            long wait = TimeUnit.NANOSECONDS.toMillis(nextProgress - System.nanoTime());
            try {
              ackSignal.wait(Math.max(1, Math.min(1_000, wait)));
            } catch (InterruptedException e) {
              return;
            }
          }
        }
        continue;
      }
      int sent = 0;
      try {
        while (sent < ACK_BATCH && (replyTo = toAck.peek()) != null) {
          c.publish(replyTo, ACK);
          toAck.poll(); // only once published
          sent++;
        }
        c.flush(flushWait); // flow control: the server has them before the next batch goes
        ackFailures.set(0);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // Disconnected or closing: those not published stay queued and are sent again (an ack
        // published twice is harmless). Flush timeouts land here too.
        long n = ackFailures.incrementAndGet();
        if (n <= 3 || Long.bitCount(n) == 1) {
          log.warn("{}: acknowledging failed (#{}), retrying: {}", cfg.source(), n, cfg.describe(e));
        }
        if (stopped && !c.getStatus().equals(Connection.Status.CONNECTED)) {
          return;
        }
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private void malformed(String problem) {
    long n = malformed.incrementAndGet();
    if (n == 1 || Long.bitCount(n) == 1) {
      log.warn("{}: malformed envelope passed on as a raw message ({} so far): {}", cfg.source(), n, problem);
    }
  }
}
