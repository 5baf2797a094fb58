package io.changeflux.redis;

import io.changeflux.ChangeSink;
import io.changeflux.ChangeSource;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import io.changeflux.redis.internal.PubSubSource;
import io.changeflux.redis.internal.RedisSettings;
import io.changeflux.redis.internal.StreamSource;
import io.changeflux.spi.ChangeSourceProvider;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The {@code redis://} and {@code rediss://} (TLS) schemes, on Lettuce.
 *
 * <pre>
 * redis://[user:pass@]host[:port][/db]?channels=a,b&amp;patterns=build.*&amp;keyspace=PATTERN
 * redis://host:port?stream=NAME&amp;group=G&amp;consumer=C&amp;ack=manual
 * </pre>
 *
 * <p>Pub/sub and keyspace notifications are at-most-once between reconnects and emit one OVERFLOW
 * per channel or pattern after each reconnect; Streams with a consumer group are at-least-once.
 * The same URI, with one channel or a stream, makes a {@link RedisSink}.
 */
public final class RedisProvider implements ChangeSourceProvider {

  /** Channels to SUBSCRIBE to. */
  public static final OptionSpec<List<String>> CHANNELS =
      OptionSpec.list("channels", "SUBSCRIBE to these channels; key = the channel");

  /** Glob patterns to PSUBSCRIBE to. */
  public static final OptionSpec<List<String>> PATTERNS =
      OptionSpec.list("patterns", "PSUBSCRIBE to these glob patterns (build.*); key = the channel");

  /** Keyspace notifications for keys matching a glob. */
  public static final OptionSpec<String> KEYSPACE =
      OptionSpec.string(
          "keyspace", null, "keyspace notifications for keys matching this glob; key = the Redis key");

  /** Whether the source may turn keyspace notifications on. */
  public static final OptionSpec<Boolean> CONFIGURE_NOTIFICATIONS =
      OptionSpec.bool(
          "configureNotifications",
          false,
          "with keyspace: add K and A to notify-keyspace-events (CONFIG SET) when they are missing");

  /** A stream read with a consumer group. */
  public static final OptionSpec<String> STREAM =
      OptionSpec.string(
          "stream", null, "read this Redis Stream with a consumer group (at-least-once); sink: XADD to it");

  /** The consumer group. */
  public static final OptionSpec<String> GROUP =
      OptionSpec.string("group", "changeflux", "with stream: the consumer group (created if missing)");

  /** The consumer name. */
  public static final OptionSpec<String> CONSUMER =
      OptionSpec.string(
          "consumer", null, "with stream: this reader's consumer name (default: host-pid-random, logged at start)");

  /** Where a new group starts. */
  public static final OptionSpec<String> START =
      OptionSpec.string(
          "start", "$", "with stream: where a new group starts: $ (new entries), 0 (all) or an entry id");

  /** Idle time after which entries of other consumers are claimed. */
  public static final OptionSpec<Duration> CLAIM_IDLE =
      OptionSpec.duration(
          "claimIdle",
          "1m",
          "with stream: claim entries pending this long at other (dead) consumers, XAUTOCLAIM; 0 = never");

  /** Entries per read. */
  public static final OptionSpec<Integer> BATCH =
      OptionSpec.integer(
          "batch", 100, 1, 100_000, "with stream: at most this many entries per XREADGROUP/XAUTOCLAIM");

  /** Acknowledgement mode. */
  public static final OptionSpec<String> ACK =
      OptionSpec.choice(
          "ack",
          "auto",
          "with stream: auto = XACK once downstream's onNext returned; manual = when event.ack() is called",
          "auto",
          "manual");

  /** Approximate stream length kept by the sink. */
  public static final OptionSpec<Integer> MAX_LEN =
      OptionSpec.integer(
          "maxLen", null, 1, Integer.MAX_VALUE, "sink with stream: trim to about this many entries (XADD MAXLEN ~)");

  /** How long the sink remembers an idempotency key to drop a repeated XADD. */
  public static final OptionSpec<Duration> DUPLICATE_WINDOW =
      OptionSpec.duration(
          "duplicateWindow",
          "2m",
          "sink with stream: an event published again within this time is stored once (idempotent XADD); 0 = plain XADD");

  /** ACL user name. */
  public static final OptionSpec<String> USER =
      OptionSpec.string("user", null, "ACL user name (instead of the URI's user-info)");

  /** Password. */
  public static final OptionSpec<String> PASSWORD =
      OptionSpec.string("password", null, "password (instead of the URI's user-info)").sensitive();

  /** Command timeout. */
  public static final OptionSpec<Duration> TIMEOUT =
      OptionSpec.duration("timeout", "10s", "command timeout; a stream's XREADGROUP blocks for half of it");

  /** Connect timeout. */
  public static final OptionSpec<Duration> CONNECT_TIMEOUT =
      OptionSpec.duration("connectTimeout", "10s", "TCP (and TLS) connect timeout");

  /** Cap of the reconnect backoff. */
  public static final OptionSpec<Duration> MAX_RECONNECT_DELAY =
      OptionSpec.duration(
          "maxReconnectDelay", "30s", "reconnect forever with exponential backoff from 10ms capped at this");

  /** How long to try reconnecting before the stream ends with an error. */
  public static final OptionSpec<Duration> GIVE_UP_AFTER =
      OptionSpec.duration(
          "giveUpAfter", null, "end with an error after this long without a connection (default: retry forever)");

  /** PEM CA certificates. */
  public static final OptionSpec<String> CA_FILE =
      OptionSpec.string("caFile", null, "rediss: PEM file with the CA certificates to trust");

  /** Trust store. */
  public static final OptionSpec<String> TRUST_STORE =
      OptionSpec.string("trustStore", null, "rediss: trust store file (PKCS12 or JKS) with the CAs to trust");

  /** Trust store password. */
  public static final OptionSpec<String> TRUST_STORE_PASSWORD =
      OptionSpec.string("trustStorePassword", null, "rediss: password of trustStore").sensitive();

  /** Client certificate chain. */
  public static final OptionSpec<String> CERT_FILE =
      OptionSpec.string("certFile", null, "rediss: PEM client certificate chain (servers with tls-auth-clients)");

  /** Client key. */
  public static final OptionSpec<String> KEY_FILE =
      OptionSpec.string("keyFile", null, "rediss: PEM PKCS#8 private key of certFile");

  /** Peer verification. */
  public static final OptionSpec<Boolean> VERIFY_PEER =
      OptionSpec.bool("verifyPeer", true, "rediss: verify the server's certificate and host name");

  private static final List<OptionSpec<?>> OPTIONS =
      List.of(
          CHANNELS,
          PATTERNS,
          KEYSPACE,
          CONFIGURE_NOTIFICATIONS,
          STREAM,
          GROUP,
          CONSUMER,
          START,
          CLAIM_IDLE,
          BATCH,
          ACK,
          MAX_LEN,
          DUPLICATE_WINDOW,
          USER,
          PASSWORD,
          TIMEOUT,
          CONNECT_TIMEOUT,
          MAX_RECONNECT_DELAY,
          GIVE_UP_AFTER,
          CA_FILE,
          TRUST_STORE,
          TRUST_STORE_PASSWORD,
          CERT_FILE,
          KEY_FILE,
          VERIFY_PEER);

  @Override
  public String scheme() {
    return "redis";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss");
  }

  @Override
  public String usage() {
    return "redis://[user:pass@]host[:port][/db]?channels=a,b|patterns=p.*|keyspace=GLOB|stream=S&group=G";
  }

  @Override
  public String description() {
    return "Redis pub/sub channels and patterns, keyspace notifications, or a Stream with a consumer group (rediss:// = TLS)";
  }

  @Override
  public List<OptionSpec<?>> options() {
    return OPTIONS;
  }

  @Override
  public ChangeSource create(SourceOptions options) {
    RedisSettings settings = RedisSettings.of(options);
    return settings.stream() != null ? new StreamSource(settings) : new PubSubSource(settings);
  }

  @Override
  public boolean supportsSink() {
    return true;
  }

  @Override
  public ChangeSink createSink(SourceOptions options) {
    return RedisSink.create(options);
  }
}
