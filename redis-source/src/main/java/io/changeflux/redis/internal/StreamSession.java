package io.changeflux.redis.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSourceException;
import io.changeflux.SourceOptions;
import io.changeflux.spi.HealthReport;
import io.changeflux.spi.Readiness;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.ClaimedMessages;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

/**
 * One subscription of a {@link StreamSource}: a reader thread with a blocking XREADGROUP on its own
 * connection. Order of work: the consumer's own pending entries first (after a restart or a
 * reconnect), then XAUTOCLAIM of entries idle at other consumers for {@code claimIdle}, then new
 * entries ({@code >}), each read limited to downstream's demand.
 *
 * <p>Acknowledgements are batched and flow-controlled: an event's handle only queues its entry id
 * (never blocks, whatever thread runs it: a Reactor {@code parallel} thread, a Netty event loop);
 * one XACK with up to {@value #ACK_BATCH} queued ids is in flight at a time on the acknowledging
 * connection, the next one sent when it completes. A failed XACK puts its ids back in the queue and
 * is retried with backoff while the session lives; an id leaves {@code inFlight} (and could be
 * read again) only once Redis confirmed its XACK.
 *
 * <p>Entries handed downstream and not yet acknowledged (a debounce batch held for a stalled
 * consumer) are kept from being claimed: every third of {@code claimIdle} their idle time is reset
 * (XCLAIM to itself, JUSTID, asynchronously on the acknowledging connection), so neither another consumer's XAUTOCLAIM nor its own takes
 * and redelivers what this session still holds.
 */
final class StreamSession implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(StreamSource.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  /** Entry ids per XACK. */
  static final int ACK_BATCH = 1_000;

  private final RedisSettings settings;
  private final FluxSink<ChangeEvent> sink;
  private final String source;
  private final SourceOptions redactor;
  private final String stream;
  private final Consumer<String> consumer;
  private final Object lock = new Object();
  /** Entries handed downstream in this session and not yet acknowledged: not re-delivered. */
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  /** Entry ids whose XACK is queued or in flight. */
  private final java.util.concurrent.ConcurrentLinkedQueue<String> toAck =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** Ids queued or in flight, not yet confirmed. */
  private final AtomicInteger acksPending = new AtomicInteger();
  /** Whether an XACK is in flight (or a retry scheduled): at most one at a time. */
  private final AtomicBoolean acking = new AtomicBoolean();
  private final AtomicLong ackFailures = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();

  private volatile boolean closed;
  /**
   * Set when a connection is re-established: Lettuce re-sends a command that was in flight when
   * the connection broke, so an XREADGROUP the server ran before it went down (its entries now
   * pending here, its reply lost) is answered by a new read, not by a failure. The loop reads its
   * own pending entries again, the lost ones among them.
   */
  private volatile boolean reconnected;
  private volatile reactor.core.@Nullable Disposable bus;
  // Set by open() on the reader thread before anything uses them; close() and shutdown() check
  // them for null (a subscription cancelled or failed while opening).
  @SuppressWarnings("NullAway.Init")
  private volatile LettuceSession lettuce;
  @SuppressWarnings("NullAway.Init")
  private volatile StatefulRedisConnection<String, byte[]> readConn;
  @SuppressWarnings("NullAway.Init")
  private volatile StatefulRedisConnection<String, byte[]> ackConn;

  StreamSession(RedisSettings settings, FluxSink<ChangeEvent> sink) {
    this.settings = settings;
    this.sink = sink;
    this.source = settings.source();
    this.redactor = settings.redactor();
    this.stream = java.util.Objects.requireNonNull(settings.stream()); // made for stream= only
    this.consumer = Consumer.from(settings.group(), settings.consumer());
  }

  void start() {
    sink.onRequest(n -> wake());
    sink.onDispose(this::close);
    Thread t = new Thread(this, "changeflux-redis-stream-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    t.start();
  }

  private void wake() {
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  private void close() {
    closed = true;
    wake();
    StatefulRedisConnection<String, byte[]> r = readConn;
    LettuceSession l = lettuce;
    if (r != null && l != null) {
      l.closeConnection(r); // ends a blocked XREADGROUP at once
    }
  }

  @Override
  public void run() {
    try {
      if (!open()) {
        return;
      }
      Readiness.signal(sink.contextView());
      startToucher();
      loop();
    } catch (Throwable t) {
      if (!closed) {
        sink.error(
            new ChangeSourceException(source + ": stream reader failed: " + redactor.describe(t), redactor.sanitize(t)));
      }
    } finally {
      shutdown();
    }
  }

  private boolean open() {
    try {
      lettuce = new LettuceSession(settings, 1024);
      if (closed) {
        return false;
      }
      try {
        readConn = lettuce.client.connect(LettuceSession.CODEC);
      } catch (RuntimeException e) {
        if (!redactor.describe(e).contains("closed prematurely")) {
          throw e;
        }
        // Lettuce sometimes reports a refused handshake (AUTH) as a closed connection
        readConn = lettuce.client.connect(LettuceSession.CODEC);
      }
      ackConn = lettuce.client.connect(LettuceSession.CODEC);
      bus =
          lettuce.resources.eventBus().get()
              .filter(e -> e instanceof io.lettuce.core.event.connection.ConnectionActivatedEvent)
              .subscribe(e -> reconnected = true, t -> { });
      ensureGroup(settings.start());
      log.info(
          "{}: reading stream {} in group {} as consumer {}", source, stream, settings.group(), settings.consumer());
      return !closed;
    } catch (RuntimeException e) {
      if (!closed) {
        String text = redactor.describe(e);
        String where = settings.host() + ":" + settings.port();
        String what =
            text.contains("WRONGPASS") || text.contains("NOAUTH") || text.contains("NOPERM")
                ? "authentication failed at " + where
                : readConn == null ? "cannot connect to " + where : "cannot create consumer group '" + settings.group() + "'";
        sink.error(new ChangeSourceException(source + ": " + what + ": " + text, redactor.sanitize(e)));
      }
      return false;
    }
  }

  private void ensureGroup(String start) {
    try {
      readConn
          .sync()
          .xgroupCreate(XReadArgs.StreamOffset.from(stream, start), settings.group(), XGroupCreateArgs.Builder.mkstream());
      log.info("{}: created consumer group {} at {}", source, settings.group(), start);
    } catch (RedisCommandExecutionException e) {
      if (!String.valueOf(e.getMessage()).contains("BUSYGROUP")) {
        throw e;
      }
      // the group exists; its position wins over start=
    }
  }

  @SuppressWarnings("unchecked") // Lettuce's generic varargs of stream offsets
  private void loop() {
    RedisCommands<String, byte[]> read = readConn.sync();
    Duration claimIdle = settings.claimIdle();
    boolean claiming = !claimIdle.isZero();
    long claimEvery = Math.max(1_000_000, claimIdle.toNanos() / 2);
    long block = Math.max(1, settings.timeout().toMillis() / 2);
    boolean pendingPhase = true;
    String pendingCursor = "0";
    String claimCursor = "0-0";
    long nextClaim = System.nanoTime();
    int failures = 0;
    long failingSince = 0;
    while (!closed) {
      long demand = awaitDemand();
      if (closed) {
        break;
      }
      int n = (int) Math.min(demand, settings.batch());
      if (reconnected) {
        reconnected = false;
        pendingPhase = true;
        pendingCursor = "0";
      }
      try {
        List<StreamMessage<String, byte[]>> got;
        if (pendingPhase) {
          got = read.xreadgroup(consumer, XReadArgs.Builder.count(n), XReadArgs.StreamOffset.from(stream, pendingCursor));
          if (got.isEmpty()) {
            pendingPhase = false;
          } else {
            pendingCursor = got.get(got.size() - 1).getId();
            HealthReport.redelivered(sink.contextView(), got.size()); // delivered to this consumer before
          }
        } else if (claiming && System.nanoTime() - nextClaim >= 0) {
          ClaimedMessages<String, byte[]> c =
              read.xautoclaim(
                  stream,
                  new XAutoClaimArgs<String>().consumer(consumer).minIdleTime(claimIdle).startId(claimCursor).count(n));
          claimCursor = c.getId() == null ? "0-0" : c.getId();
          if ("0-0".equals(claimCursor)) {
            nextClaim = System.nanoTime() + claimEvery;
          }
          got = c.getMessages();
          if (!got.isEmpty()) {
            HealthReport.redelivered(sink.contextView(), got.size());
            log.info("{}: claimed {} entries idle at other consumers for {}", source, got.size(), claimIdle);
          }
        } else {
          // block no longer than the command timeout allows, and wake up for the next claim
          long untilClaim = claiming ? TimeUnit.NANOSECONDS.toMillis(nextClaim - System.nanoTime()) : block;
          long wait = Math.max(1, Math.min(block, untilClaim));
          got =
              read.xreadgroup(
                  consumer, XReadArgs.Builder.count(n).block(wait), XReadArgs.StreamOffset.lastConsumed(stream));
        }
        if (failures > 0) {
          log.info("{}: stream reads resumed after {} failures", source, failures);
          failures = 0;
          HealthReport.recovered(sink.contextView(), RECONNECTING);
          HealthReport.reconnected(sink.contextView());
        }
        for (StreamMessage<String, byte[]> m : got) {
          deliver(m);
        }
      } catch (RuntimeException e) {
        if (closed) {
          break;
        }
        failures++;
        if (failures == 1) {
          failingSince = System.nanoTime();
          HealthReport.degraded(sink.contextView(), RECONNECTING);
        }
        String text = redactor.describe(e);
        if (settings.giveUpAfter() != null && System.nanoTime() - failingSince >= settings.giveUpAfter().toNanos()) {
          sink.error(
              new ChangeSourceException(
                  source + ": stream reads failing for " + io.changeflux.Durations.format(settings.giveUpAfter())
                      + " (giveUpAfter); giving up: " + text,
                  "giveUpAfter",
                  redactor.sanitize(e)));
          return;
        }
        if (e instanceof RedisCommandExecutionException && text.contains("NOGROUP")) {
          log.warn("{}: consumer group {} is gone ({}); creating it again from 0", source, settings.group(), text);
          try {
            ensureGroup("0");
          } catch (RuntimeException again) {
            log.debug("{}: group not created yet: {}", source, redactor.describe(again));
          }
        } else if (Long.bitCount(failures) == 1) {
          log.warn("{}: stream read failed (#{}), retrying: {}", source, failures, text);
        }
        pendingPhase = true; // a reply lost in a disconnect left entries pending: read them again
        pendingCursor = "0";
        sleep(backoff(failures));
      }
    }
  }

  /** The DEGRADED reason while stream reads fail. */
  static final String RECONNECTING = "reconnecting";

  private long backoff(int failures) {
    long cap = Math.max(10, settings.maxReconnectDelay().toMillis());
    long d = 10L << Math.min(20, failures);
    return Math.min(cap, d);
  }

  private void sleep(long ms) {
    synchronized (lock) {
      long until = System.currentTimeMillis() + ms;
      long left;
      while (!closed && (left = until - System.currentTimeMillis()) > 0) {
        try {
          lock.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private volatile java.util.concurrent.@Nullable ScheduledFuture<?> toucher;

  /**
   * Every third of {@code claimIdle}, resets the idle time of the entries this session holds
   * (XCLAIM to itself, JUSTID, on the acknowledging connection, asynchronously), so no XAUTOCLAIM
   * takes them while they wait downstream, however long the reader blocks.
   */
  private void startToucher() {
    Duration claimIdle = settings.claimIdle();
    if (claimIdle.isZero()) {
      return;
    }
    long period = Math.max(1, claimIdle.toMillis() / 3);
    toucher =
        lettuce.resources.eventExecutorGroup().scheduleAtFixedRate(this::touchHeld, period, period, TimeUnit.MILLISECONDS);
  }

  private void touchHeld() {
    StatefulRedisConnection<String, byte[]> c = ackConn;
    if (closed || c == null || !c.isOpen() || inFlight.isEmpty()) {
      return;
    }
    List<String> chunk = new java.util.ArrayList<>(ACK_BATCH);
    try {
      for (String id : inFlight) {
        chunk.add(id);
        if (chunk.size() == ACK_BATCH) {
          touch(c, chunk);
          chunk = new java.util.ArrayList<>(ACK_BATCH);
        }
      }
      if (!chunk.isEmpty()) {
        touch(c, chunk);
      }
    } catch (RuntimeException e) {
      log.debug("{}: resetting the idle time of held entries failed: {}", source, redactor.describe(e));
    }
  }

  private void touch(StatefulRedisConnection<String, byte[]> c, List<String> ids) {
    c.async()
        .xclaim(stream, consumer, io.lettuce.core.XClaimArgs.Builder.justid().minIdleTime(0), ids.toArray(new String[0]))
        .whenComplete(
            (r, t) -> {
              if (t != null && !closed) {
                log.debug("{}: resetting the idle time of {} held entries failed: {}", source, ids.size(), redactor.describe(t));
              }
            });
  }

  private long awaitDemand() {
    while (true) {
      synchronized (lock) {
        long d = sink.requestedFromDownstream();
        if (closed || d > 0) {
          return closed ? 0 : d;
        }
        try {
          lock.wait(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          closed = true;
          return 0;
        }
        d = sink.requestedFromDownstream();
        if (closed || d > 0) {
          return closed ? 0 : d;
        }
      }
    }
  }

  private void deliver(StreamMessage<String, byte[]> m) {
    String id = m.getId();
    Map<String, byte[]> body = m.getBody();
    if (body == null || body.isEmpty()) {
      // deleted (XDEL) while pending: nothing to deliver, so acknowledge it
      if (inFlight.add(id)) {
        ack(id);
      }
      return;
    }
    if (!inFlight.add(id)) {
      return; // already handed downstream in this session and not yet acknowledged
    }
    ChangeEvent.Builder b;
    if (Envelope.isFieldEnvelope(body)) {
      try {
        b = Envelope.fromFields(body);
      } catch (Envelope.MalformedEnvelope e) {
        long n = malformed.incrementAndGet();
        if (n <= 10 || Long.bitCount(n) == 1) {
          log.warn("{}: malformed envelope in entry {} (#{} so far): {}; passed on as a raw entry", source, id, n, e.getMessage());
        }
        b = Envelope.rawFields(stream, body).header("malformed", String.valueOf(e.getMessage()));
      }
    } else {
      b = Envelope.rawFields(stream, body);
    }
    ChangeEvent event = b.source(source).header("id", id).onAck(new Ack(id)).build();
    sink.next(event);
  }

  /** Queues the XACK of one entry; never blocks. */
  private void ack(String id) {
    HealthReport.acknowledged(sink.contextView(), 1);
    toAck.add(id);
    acksPending.incrementAndGet();
    flushAcks();
  }

  /** Sends one XACK with the ids queued, unless one is in flight already (its completion sends the next). */
  private void flushAcks() {
    while (!toAck.isEmpty() && acking.compareAndSet(false, true)) {
      StatefulRedisConnection<String, byte[]> c = ackConn;
      if (c == null || !c.isOpen()) {
        int n = 0;
        for (String id; (id = toAck.poll()) != null; n++) {
          inFlight.remove(id);
        }
        acksPending.addAndGet(-n);
        acking.set(false);
        log.debug("{}: {} acknowledgements after close; those entries stay pending and are delivered again", source, n);
        return;
      }
      List<String> ids = new java.util.ArrayList<>(Math.min(ACK_BATCH, toAck.size() + 1));
      for (String id; ids.size() < ACK_BATCH && (id = toAck.poll()) != null; ) {
        ids.add(id);
      }
      if (ids.isEmpty()) {
        acking.set(false);
        continue; // another flush took them; look again (one may have been queued meanwhile)
      }
      try {
        c.async().xack(stream, settings.group(), ids.toArray(new String[0])).whenComplete((r, t) -> acked(ids, t));
      } catch (RuntimeException e) {
        acked(ids, e);
      }
      return;
    }
  }

  /** An XACK completed: confirmed ids leave {@code inFlight}; failed ones are queued again and retried. */
  private void acked(List<String> ids, Throwable failure) {
    if (failure == null) {
      for (String id : ids) {
        inFlight.remove(id);
      }
      acksPending.addAndGet(-ids.size());
      ackFailures.set(0);
      acking.set(false);
      flushAcks();
      return;
    }
    toAck.addAll(ids);
    long n = ackFailures.incrementAndGet();
    if (n <= 3 || Long.bitCount(n) == 1) {
      log.warn("{}: XACK of {} entries failed (#{}), retrying: {}", source, ids.size(), n, redactor.describe(failure));
    }
    LettuceSession l = lettuce;
    Runnable retry =
        () -> {
          acking.set(false);
          flushAcks();
        };
    try {
      l.resources.eventExecutorGroup().schedule(retry, backoff((int) Math.min(20, n)), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      retry.run(); // the resources are shutting down: the flush finds the connection closed
    }
  }

  /** The handle of one entry: queues its XACK once however often it runs. */
  private final class Ack implements Runnable {
    private final String id;
    volatile int done;

    Ack(String id) {
      this.id = id;
    }

    @Override
    public void run() {
      if (done == 0 && DONE.compareAndSet(this, 0, 1)) {
        ack(id);
      }
    }
  }

  private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<Ack> DONE =
      java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(Ack.class, "done");

  private void shutdown() {
    reactor.core.Disposable b = bus;
    if (b != null) {
      b.dispose();
    }
    java.util.concurrent.ScheduledFuture<?> touching = toucher;
    if (touching != null) {
      touching.cancel(false);
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (acksPending.get() > 0 && System.nanoTime() - until < 0) {
      try {
        Thread.sleep(5); // let acknowledgements already sent complete before the connection goes
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    LettuceSession l = lettuce;
    if (l != null) {
      l.closeAsync(readConn, ackConn).whenComplete((v, t) -> log.debug("{}: closed", source));
    }
  }
}
