package io.changeflux.redis.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSourceException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

/**
 * One subscription of a {@link StreamSource}: a reader thread with a blocking XREADGROUP on its own
 * connection. Order of work: the consumer's own pending entries first (after a restart or a
 * reconnect), then XAUTOCLAIM of entries idle at other consumers for {@code claimIdle}, then new
 * entries ({@code >}), each read limited to downstream's demand.
 */
final class StreamSession implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(StreamSource.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final RedisSettings settings;
  private final FluxSink<ChangeEvent> sink;
  private final String source;
  private final Redactor redactor;
  private final String stream;
  private final Consumer<String> consumer;
  private final Object lock = new Object();
  /** Entries handed downstream in this session and not yet acknowledged: not re-delivered. */
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicInteger acksInFlight = new AtomicInteger();
  private final AtomicLong malformed = new AtomicLong();

  private volatile boolean closed;
  private volatile LettuceSession lettuce;
  private volatile StatefulRedisConnection<String, byte[]> readConn;
  private volatile StatefulRedisConnection<String, byte[]> ackConn;

  StreamSession(RedisSettings settings, FluxSink<ChangeEvent> sink) {
    this.settings = settings;
    this.sink = sink;
    this.source = settings.source();
    this.redactor = settings.redactor();
    this.stream = settings.stream();
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
      ensureGroup(settings.start());
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
      try {
        List<StreamMessage<String, byte[]>> got;
        if (pendingPhase) {
          got = read.xreadgroup(consumer, XReadArgs.Builder.count(n), XReadArgs.StreamOffset.from(stream, pendingCursor));
          if (got.isEmpty()) {
            pendingPhase = false;
          } else {
            pendingCursor = got.get(got.size() - 1).getId();
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

  private long awaitDemand() {
    synchronized (lock) {
      long d;
      while (!closed && (d = sink.requestedFromDownstream()) <= 0) {
        try {
          lock.wait(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          closed = true;
          return 0;
        }
      }
      return closed ? 0 : sink.requestedFromDownstream();
    }
  }

  private void deliver(StreamMessage<String, byte[]> m) {
    String id = m.getId();
    Map<String, byte[]> body = m.getBody();
    if (body == null || body.isEmpty()) {
      // deleted (XDEL) while pending: nothing to deliver, so acknowledge it
      ackConn.async().xack(stream, settings.group(), id);
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
        b = Envelope.rawFields(stream, body).header("malformed", e.getMessage());
      }
    } else {
      b = Envelope.rawFields(stream, body);
    }
    ChangeEvent event = b.source(source).header("id", id).onAck(new Ack(id)).build();
    sink.next(event);
  }

  /** XACK of one entry, sent once however often it runs. */
  private final class Ack implements Runnable {
    private final String id;
    private final AtomicBoolean done = new AtomicBoolean();

    Ack(String id) {
      this.id = id;
    }

    @Override
    public void run() {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      StatefulRedisConnection<String, byte[]> c = ackConn;
      if (c == null || !c.isOpen()) {
        inFlight.remove(id);
        log.debug("{}: ack of {} after close; it stays pending and is delivered again", source, id);
        return;
      }
      acksInFlight.incrementAndGet();
      try {
        c.async()
            .xack(stream, settings.group(), id)
            .whenComplete(
                (r, t) -> {
                  inFlight.remove(id);
                  acksInFlight.decrementAndGet();
                  if (t != null) {
                    log.warn("{}: XACK {} failed (it will be delivered again): {}", source, id, redactor.describe(t));
                  }
                });
      } catch (RuntimeException e) {
        acksInFlight.decrementAndGet();
        inFlight.remove(id);
        log.warn("{}: XACK {} failed (it will be delivered again): {}", source, id, redactor.describe(e));
      }
    }
  }

  private void shutdown() {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (acksInFlight.get() > 0 && System.nanoTime() - until < 0) {
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
