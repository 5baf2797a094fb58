package io.changeflux.redis.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSourceException;
import io.changeflux.SourceOptions;
import io.changeflux.spi.HealthReport;
import io.changeflux.spi.Readiness;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.event.Event;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.FluxSink;

/**
 * One subscription of a {@link PubSubSource}: a pub/sub connection, its listener (called on the
 * Netty event loop, so it only builds events and hands them on), and the reconnect bookkeeping.
 *
 * <p>Reconnects: Lettuce reconnects and resubscribes by itself. The connection-state listener runs
 * on the event loop in order with the messages, so every channel and pattern is marked "awaiting"
 * when the connection drops, and the first confirmation after that emits one OVERFLOW for it. If
 * no confirmation came one command timeout after the connection is back, the session subscribes
 * again itself; if Redis refuses that, the stream ends with an error.
 */
final class PubSubSession implements RedisPubSubListener<String, byte[]>, RedisConnectionStateListener {

  private static final Logger log = LoggerFactory.getLogger(PubSubSource.class);

  private final RedisSettings settings;
  private final FluxSink<ChangeEvent> sink;
  private final String source;
  private final SourceOptions redactor;
  private final Set<String> channels;
  private final Set<String> patterns;
  private final String keyspacePrefix;
  private final @Nullable String keyspacePattern;
  /** "c:" + channel or "p:" + pattern → the key of its OVERFLOW events. */
  private final Map<String, String> names = new LinkedHashMap<>();
  private final Set<String> confirmedOnce = ConcurrentHashMap.newKeySet();
  private final Set<String> awaiting = ConcurrentHashMap.newKeySet();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();

  private volatile boolean ready;
  private volatile boolean retried;
  private volatile boolean closed;
  // Set by start() before the connect whose callbacks use it; close() checks it for null.
  @SuppressWarnings("NullAway.Init")
  private volatile LettuceSession lettuce;
  private volatile @Nullable StatefulRedisPubSubConnection<String, byte[]> conn;
  // The connect in flight (or done): close waits for it, so a connection that completes after
  // cancel is closed before the client and its event loops shut down (else its socket leaks).
  private volatile @Nullable CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> connecting;
  private volatile @Nullable Disposable bus;

  PubSubSession(RedisSettings settings, FluxSink<ChangeEvent> sink) {
    this.settings = settings;
    this.sink = sink;
    this.source = settings.source();
    this.redactor = settings.redactor();
    this.channels = new LinkedHashSet<>(settings.channels());
    this.patterns = new LinkedHashSet<>(settings.patterns());
    this.keyspacePrefix = "__keyspace@" + settings.db() + "__:";
    this.keyspacePattern = settings.keyspace() == null ? null : keyspacePrefix + settings.keyspace();
    for (String c : channels) {
      names.put("c:" + c, c);
    }
    for (String p : patterns) {
      names.put("p:" + p, p);
    }
    if (keyspacePattern != null) {
      names.put("p:" + keyspacePattern, settings.keyspace());
    }
    awaiting.addAll(names.keySet());
  }

  void start() {
    sink.onDispose(this::close);
    LettuceSession l;
    try {
      l = new LettuceSession(settings, 1024);
    } catch (RuntimeException e) {
      fail("cannot set up the client", e);
      return;
    }
    lettuce = l;
    if (closed) {
      l.closeAsync();
      return;
    }
    bus = l.resources.eventBus().get().subscribe(this::onEvent, t -> {});
    connect(l);
  }

  private void connect(LettuceSession l) {
    CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> f =
        l.client.connectPubSubAsync(LettuceSession.CODEC, settings.uri()).toCompletableFuture();
    connecting = f;
    f.whenComplete(this::connected);
  }

  /** The connection once no connect is in flight any more (null when none succeeded). */
  private CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> settled() {
    CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> f = connecting;
    if (f == null) {
      return CompletableFuture.completedFuture(conn);
    }
    return f.handle((c, t) -> c)
        .thenCompose(c -> connecting != f ? settled() : CompletableFuture.completedFuture(c != null ? c : conn));
  }

  private void connected(StatefulRedisPubSubConnection<String, byte[]> c, Throwable err) {
    if (err != null) {
      if (!retried && !closed && redactor.describe(err).contains("closed prematurely")) {
        // Lettuce sometimes reports a refused handshake (AUTH) as a closed connection: one more
        // attempt tells which it was.
        retried = true;
        connect(lettuce);
        return;
      }
      fail(connectProblem(err), err);
      return;
    }
    conn = c;
    if (closed) {
      // close() also closes it once the connect has settled (the same close, done once)
      lettuce.closeConnection(c);
      return;
    }
    c.addListener((RedisPubSubListener<String, byte[]>) this);
    c.addListener((RedisConnectionStateListener) this);
    if (keyspacePattern != null) {
      checkNotifications(c);
    } else {
      subscribeAll(c);
    }
  }

  private String connectProblem(Throwable err) {
    String text = redactor.describe(err);
    String where = settings.host() + ":" + settings.port();
    if (text.contains("WRONGPASS") || text.contains("NOAUTH") || text.contains("NOPERM") || text.contains("AUTH")) {
      return "authentication failed at " + where;
    }
    return "cannot connect to " + where;
  }

  private void checkNotifications(StatefulRedisPubSubConnection<String, byte[]> c) {
    c.async()
        .configGet("notify-keyspace-events")
        .whenComplete(
            (map, t) -> {
              if (closed) {
                return;
              }
              if (t != null) {
                if (settings.configureNotifications()) {
                  fail("cannot read notify-keyspace-events (CONFIG GET)", t);
                  return;
                }
                log.warn(
                    "{}: cannot check notify-keyspace-events (CONFIG GET: {}); keyspace events arrive only if it holds K and A",
                    source,
                    redactor.describe(t));
                subscribeAll(c);
                return;
              }
              String flags = map == null ? "" : map.getOrDefault("notify-keyspace-events", "");
              String missing = missingFlags(flags);
              if (missing.isEmpty()) {
                subscribeAll(c);
              } else if (settings.configureNotifications()) {
                String wanted = flags + missing;
                c.async()
                    .configSet("notify-keyspace-events", wanted)
                    .whenComplete(
                        (ok, t2) -> {
                          if (t2 != null) {
                            fail("cannot enable keyspace notifications (CONFIG SET notify-keyspace-events " + wanted + ")", t2);
                          } else {
                            log.info("{}: set notify-keyspace-events from '{}' to '{}'", source, flags, wanted);
                            subscribeAll(c);
                          }
                        });
              } else {
                fail(
                    new ChangeSourceException(
                        source
                            + ": keyspace notifications are off (notify-keyspace-events='"
                            + flags
                            + "', missing "
                            + missing
                            + "); enable them with CONFIG SET notify-keyspace-events "
                            + flags
                            + missing
                            + " (or in redis.conf), or add configureNotifications=true",
                        "keyspace",
                        null));
              }
            });
  }

  /**
   * After a reconnect the server may be a restarted one that forgot a CONFIG SET: enable the
   * notifications again (configureNotifications=true) or end with the message that says what to
   * enable, rather than stay silent.
   */
  private void recheckNotifications(Runnable then) {
    StatefulRedisPubSubConnection<String, byte[]> c = conn;
    if (c == null || closed) {
      return;
    }
    c.async()
        .configGet("notify-keyspace-events")
        .whenComplete(
            (map, t) -> {
              if (closed) {
                return;
              }
              if (t != null) {
                log.debug("{}: cannot re-check notify-keyspace-events after a reconnect: {}", source, redactor.describe(t));
                then.run();
                return;
              }
              String flags = map == null ? "" : map.getOrDefault("notify-keyspace-events", "");
              String missing = missingFlags(flags);
              if (missing.isEmpty()) {
                then.run();
                return;
              }
              if (settings.configureNotifications()) {
                c.async()
                    .configSet("notify-keyspace-events", flags + missing)
                    .whenComplete(
                        (ok, t2) -> {
                          if (t2 != null) {
                            fail("cannot enable keyspace notifications again after a reconnect", t2);
                          } else {
                            log.info(
                                "{}: notify-keyspace-events was '{}' after a reconnect; set it to '{}'",
                                source,
                                flags,
                                flags + missing);
                            then.run();
                          }
                        });
              } else {
                fail(
                    new ChangeSourceException(
                        source
                            + ": keyspace notifications are off after a reconnect (notify-keyspace-events='"
                            + flags
                            + "', missing "
                            + missing
                            + "); enable them with CONFIG SET notify-keyspace-events "
                            + flags
                            + missing
                            + " (and in redis.conf, so a restart keeps them), or add configureNotifications=true",
                        "keyspace",
                        null));
              }
            });
  }

  /** The flags of notify-keyspace-events that keyspace= needs and {@code flags} lacks. */
  static String missingFlags(String flags) {
    StringBuilder missing = new StringBuilder();
    if (flags.indexOf('K') < 0) {
      missing.append('K');
    }
    boolean all = flags.indexOf('A') >= 0;
    if (!all) {
      for (char f : "g$lshzxe".toCharArray()) {
        if (flags.indexOf(f) < 0) {
          all = false;
          missing.append('A');
          break;
        }
        all = true;
      }
    }
    return missing.toString();
  }

  private void subscribeAll(StatefulRedisPubSubConnection<String, byte[]> c) {
    subscribe(c, new ArrayList<>(names.keySet()), false);
  }

  private void subscribe(StatefulRedisPubSubConnection<String, byte[]> c, List<String> which, boolean again) {
    List<String> ch = new ArrayList<>();
    List<String> pa = new ArrayList<>();
    for (String n : which) {
      (n.startsWith("c:") ? ch : pa).add(n.substring(2));
    }
    if (!ch.isEmpty()) {
      c.async()
          .subscribe(ch.toArray(new String[0]))
          .whenComplete((v, t) -> subscribeFailed(t, "SUBSCRIBE " + String.join(" ", ch), again));
    }
    if (!pa.isEmpty()) {
      c.async()
          .psubscribe(pa.toArray(new String[0]))
          .whenComplete((v, t) -> subscribeFailed(t, "PSUBSCRIBE " + String.join(" ", pa), again));
    }
  }

  private void subscribeFailed(Throwable t, String what, boolean again) {
    if (t == null || closed) {
      return;
    }
    if (!again) {
      fail(what + " failed", t);
    } else if (t instanceof RedisCommandExecutionException) {
      fail("resubscribing failed after a reconnect (" + what + ")", t);
    } else {
      log.debug("{}: {} after a reconnect did not complete: {}", source, what, redactor.describe(t));
    }
  }

  /** The DEGRADED reason from a lost connection until every subscription is confirmed again. */
  static final String RECONNECTING = "reconnecting";

  private void confirm(String name) {
    boolean wasAwaiting = awaiting.remove(name);
    if (wasAwaiting && ready && awaiting.isEmpty()) {
      HealthReport.recovered(sink.contextView(), RECONNECTING);
      HealthReport.reconnected(sink.contextView());
    }
    if (!confirmedOnce.add(name) && wasAwaiting && ready) {
      String known = names.get(name);
      String key = known != null ? known : name; // always known: awaiting holds names' keys only
      Runnable overflow =
          () -> {
            log.info("{}: resubscribed to {} after a reconnect; emitting OVERFLOW (messages may have been lost)", source, key);
            emit(ChangeEvent.builder(ChangeKind.OVERFLOW, key).source(source).header("reason", "reconnect").build());
          };
      if (keyspacePattern != null && name.equals("p:" + keyspacePattern)) {
        recheckNotifications(overflow); // OVERFLOW once notifications flow again: a rescan then misses nothing
      } else {
        overflow.run();
      }
    }
    if (!ready && awaiting.isEmpty()) {
      ready = true;
      log.debug("{}: subscribed", source);
      Readiness.signal(sink.contextView());
    }
  }

  // ---- connection state (event loop, in order with the messages) ----

  @Override
  public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
    if (handler != conn || closed || !ready) {
      return;
    }
    try {
      lettuce
          .resources
          .eventExecutorGroup()
          .schedule(this::checkResubscribed, settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // shutting down (cancelled meanwhile): nothing to check
    }
  }

  @Override
  public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
    if (handler != conn || closed) {
      return;
    }
    awaiting.addAll(names.keySet());
    HealthReport.degraded(sink.contextView(), RECONNECTING);
    long lost = reconnects.incrementAndGet();
    if (settings.giveUpAfter() != null) {
      try {
        lettuce
            .resources
            .eventExecutorGroup()
            .schedule(() -> giveUpIfStillDown(lost), settings.giveUpAfter().toMillis(), TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        // shutting down
      }
    }
    if (ready) {
      long n = lost;
      log.warn(
          "{}: connection lost (#{}); reconnecting; messages published meanwhile are lost, OVERFLOW follows",
          source,
          n);
    }
  }

  private void giveUpIfStillDown(long lost) {
    StatefulRedisPubSubConnection<String, byte[]> c = conn;
    java.time.Duration after = settings.giveUpAfter(); // not null: only scheduled with giveUpAfter
    // still the same outage (no later disconnect) and not back: give up
    if (after != null && !closed && reconnects.get() == lost && (c == null || !c.isOpen() || !awaiting.isEmpty())) {
      fail(
          new ChangeSourceException(
              source
                  + ": no connection to "
                  + settings.host()
                  + ":"
                  + settings.port()
                  + " for "
                  + io.changeflux.Durations.format(after)
                  + " (giveUpAfter); giving up",
              "giveUpAfter",
              null));
    }
  }

  private void checkResubscribed() {
    StatefulRedisPubSubConnection<String, byte[]> c = conn;
    if (closed || c == null || awaiting.isEmpty() || !c.isOpen()) {
      return;
    }
    List<String> missing = new ArrayList<>(awaiting);
    log.warn("{}: not resubscribed to {} after a reconnect; subscribing again", source, missing);
    subscribe(c, missing, true);
  }

  private void onEvent(Event e) {
    if (closed) {
      return;
    }
    if (e instanceof ReconnectFailedEvent) {
      ReconnectFailedEvent f = (ReconnectFailedEvent) e;
      int attempt = f.getAttempt();
      if (Long.bitCount(attempt) == 1) { // 1, 2, 4, 8, ...: forever, but not a line per attempt
        log.warn("{}: reconnect attempt {} failed: {}", source, attempt, redactor.describe(f.getCause()));
      }
    } else if (e instanceof ConnectionActivatedEvent && ready && reconnects.get() > 0) {
      log.info("{}: reconnected", source);
    }
  }

  // ---- messages (event loop) ----

  @Override
  public void message(String channel, byte[] message) {
    if (channels.contains(channel)) {
      emit(toEvent(channel, null, message));
    }
  }

  @Override
  public void message(String pattern, String channel, byte[] message) {
    if (pattern.equals(keyspacePattern)) {
      if (channel.startsWith(keyspacePrefix)) {
        emit(keyspaceEvent(channel.substring(keyspacePrefix.length()), message));
      }
    } else if (patterns.contains(pattern)) {
      emit(toEvent(channel, pattern, message));
    }
  }

  @Override
  public void subscribed(String channel, long count) {
    confirm("c:" + channel);
  }

  @Override
  public void psubscribed(String pattern, long count) {
    confirm("p:" + pattern);
  }

  @Override
  public void unsubscribed(String channel, long count) {}

  @Override
  public void punsubscribed(String pattern, long count) {}

  private ChangeEvent toEvent(String channel, @Nullable String pattern, byte[] message) {
    if (Envelope.isJsonEnvelope(message)) {
      try {
        return Envelope.fromJson(message).source(source).build();
      } catch (Envelope.MalformedEnvelope m) {
        long n = malformed.incrementAndGet();
        if (n <= 10 || Long.bitCount(n) == 1) {
          log.warn(
              "{}: malformed envelope on channel {} (#{} so far): {}; passed on as a raw message",
              source,
              channel,
              n,
              m.getMessage());
        }
        ChangeEvent.Builder b = raw(channel, pattern, message);
        return b.header("malformed", String.valueOf(m.getMessage())).build();
      }
    }
    return raw(channel, pattern, message).build();
  }

  private ChangeEvent.Builder raw(String channel, @Nullable String pattern, byte[] message) {
    ChangeEvent.Builder b = ChangeEvent.builder(ChangeKind.MODIFIED, channel).source(source).payload(message);
    if (pattern != null) {
      b.header("pattern", pattern);
    }
    return b;
  }

  private ChangeEvent keyspaceEvent(String key, byte[] message) {
    String event = new String(message, StandardCharsets.UTF_8);
    ChangeEvent.Builder b = ChangeEvent.builder(ChangeKind.MODIFIED, key).source(source).header("event", event);
    switch (event) {
      case "del":
      case "unlink":
        b.kind(ChangeKind.DELETED);
        break;
      case "expired":
      case "evicted":
        b.kind(ChangeKind.DELETED).header("reason", event);
        break;
      case "rename_from":
      case "move_from":
        b.kind(ChangeKind.DELETED).header("reason", event.equals("rename_from") ? "renamed" : "moved");
        break;
      default:
        break;
    }
    return b.build();
  }

  private void emit(ChangeEvent e) {
    if (!closed) {
      sink.next(e);
    }
  }

  // ---- failure and close ----

  private void fail(String what, Throwable cause) {
    fail(new ChangeSourceException(source + ": " + what + ": " + redactor.describe(cause), redactor.sanitize(cause)));
  }

  private void fail(ChangeSourceException e) {
    if (closed) {
      return;
    }
    log.debug("{}", e.getMessage());
    sink.error(e);
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    Disposable b = bus;
    if (b != null) {
      b.dispose();
    }
    LettuceSession l = lettuce;
    if (l != null) {
      settled()
          .thenCompose(c -> l.closeAsync(c))
          .whenComplete((v, t) -> log.debug("{}: closed", source));
    }
  }
}
