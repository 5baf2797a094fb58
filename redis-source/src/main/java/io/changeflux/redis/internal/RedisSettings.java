package io.changeflux.redis.internal;

import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSourceException;
import io.changeflux.SourceOptions;
import io.changeflux.redis.RedisProvider;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.io.File;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** The validated configuration of one {@code redis:} URI, and the Lettuce objects it makes. */
public final class RedisSettings {

  private final SourceOptions options;
  private final String source;
  private final String host;
  private final int port;
  private final int db;
  private final @Nullable String user;
  private final @Nullable String password;
  private final boolean ssl;
  private final boolean verifyPeer;
  private final Duration timeout;
  private final Duration connectTimeout;
  private final Duration maxReconnectDelay;
  private final @Nullable Duration giveUpAfter;
  private final List<String> channels;
  private final List<String> patterns;
  private final @Nullable String keyspace;
  private final boolean configureNotifications;
  private final @Nullable String stream;
  private final String group;
  private final @Nullable String consumer;
  private final String start;
  private final Duration claimIdle;
  private final int batch;
  private final @Nullable Integer maxLen;
  private final Duration duplicateWindow;
  private final int maxKeys;

  private RedisSettings(SourceOptions o) {
    this.options = o;
    this.source = o.redacted();
    boolean tls = "rediss".equals(o.scheme());
    this.ssl = tls;
    String target = o.target();
    if (!target.startsWith("//")) {
      throw fail("expected " + o.scheme() + "://host[:port][/db]", null);
    }
    SourceOptions.Authority a = o.authority();
    if (a.hosts().size() != 1) {
      throw fail(
          a.hosts().isEmpty()
              ? "missing host; expected " + o.scheme() + "://host[:port][/db]"
              : "one host:port expected, got " + a.hosts().size() + " (cluster and sentinel are not supported)",
          null);
    }
    String hp = a.hosts().get(0);
    String h;
    int p = 6379;
    if (hp.startsWith("[")) {
      int close = hp.indexOf(']');
      if (close < 0) {
        throw fail("bad host '" + hp + "'", null);
      }
      h = hp.substring(1, close);
      if (hp.length() > close + 1) {
        p = parsePort(hp.substring(close + 1).replaceFirst("^:", ""));
      }
    } else {
      int colon = hp.lastIndexOf(':');
      h = colon < 0 ? hp : hp.substring(0, colon);
      if (colon >= 0) {
        p = parsePort(hp.substring(colon + 1));
      }
    }
    if (h.isEmpty()) {
      throw fail("missing host; expected " + o.scheme() + "://host[:port][/db]", null);
    }
    this.host = h;
    this.port = p;
    String path = a.path();
    if (path.isEmpty() || path.equals("/")) {
      this.db = 0;
    } else {
      try {
        this.db = Integer.parseInt(path.substring(1));
        if (db < 0) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw fail("bad database '" + path.substring(1) + "' in the URI path; expected a number such as /0", null);
      }
    }
    this.user = o.has("user") ? o.get(RedisProvider.USER) : a.user().filter(u -> !u.isEmpty()).orElse(null);
    String pw = o.has("password") ? o.get(RedisProvider.PASSWORD) : a.password().orElse(null);
    this.password = pw == null || pw.isEmpty() ? null : pw;
    this.verifyPeer = o.require(RedisProvider.VERIFY_PEER);
    this.timeout = positive(RedisProvider.TIMEOUT.name(), o.require(RedisProvider.TIMEOUT));
    this.connectTimeout = positive(RedisProvider.CONNECT_TIMEOUT.name(), o.require(RedisProvider.CONNECT_TIMEOUT));
    this.maxReconnectDelay =
        positive(RedisProvider.MAX_RECONNECT_DELAY.name(), o.require(RedisProvider.MAX_RECONNECT_DELAY));
    Duration g = o.get(RedisProvider.GIVE_UP_AFTER);
    this.giveUpAfter = g == null ? null : positive(RedisProvider.GIVE_UP_AFTER.name(), g);
    this.channels = o.require(RedisProvider.CHANNELS);
    this.patterns = o.require(RedisProvider.PATTERNS);
    String ks = o.get(RedisProvider.KEYSPACE);
    this.keyspace = ks == null || ks.isEmpty() ? null : ks;
    this.configureNotifications = o.require(RedisProvider.CONFIGURE_NOTIFICATIONS);
    String st = o.get(RedisProvider.STREAM);
    this.stream = st == null || st.isEmpty() ? null : st;
    this.group = o.require(RedisProvider.GROUP);
    String c = o.get(RedisProvider.CONSUMER);
    // the host name only when needed: looking it up may block
    this.consumer = c == null || c.isEmpty() ? (stream == null ? null : defaultConsumer()) : c;
    this.start = o.require(RedisProvider.START);
    this.claimIdle = o.require(RedisProvider.CLAIM_IDLE);
    this.batch = o.require(RedisProvider.BATCH);
    this.maxLen = o.get(RedisProvider.MAX_LEN);
    this.duplicateWindow = o.require(RedisProvider.DUPLICATE_WINDOW);
    this.maxKeys = o.require(ChangePipeline.COALESCE);
    if (!tls) {
      for (var spec :
          List.of(
              RedisProvider.CA_FILE,
              RedisProvider.TRUST_STORE,
              RedisProvider.TRUST_STORE_PASSWORD,
              RedisProvider.CERT_FILE,
              RedisProvider.KEY_FILE)) {
        if (o.has(spec.name())) {
          throw new ChangeSourceException(
              source + ": option '" + spec.name() + "' needs TLS; use rediss://", spec.name(), null);
        }
      }
    }
    for (var spec :
        List.of(RedisProvider.CA_FILE, RedisProvider.TRUST_STORE, RedisProvider.CERT_FILE, RedisProvider.KEY_FILE)) {
      String f = o.get(spec);
      if (f != null && !new File(f).isFile()) {
        throw new ChangeSourceException(
            source + ": option '" + spec.name() + "': no such file '" + f + "'", spec.name(), null);
      }
    }
    if (o.has(RedisProvider.CERT_FILE.name()) != o.has(RedisProvider.KEY_FILE.name())) {
      throw new ChangeSourceException(
          source + ": options 'certFile' and 'keyFile' go together", RedisProvider.KEY_FILE.name(), null);
    }
  }

  /**
   * Validates options for a source or sink.
   *
   * @throws ChangeSourceException naming the culprit
   */
  public static RedisSettings of(SourceOptions options) {
    return new RedisSettings(options);
  }

  /** Checks the source modes: a stream alone, or any of channels, patterns and keyspace. */
  public RedisSettings requireSourceMode() {
    boolean pubsub = !channels.isEmpty() || !patterns.isEmpty() || keyspace != null;
    if (stream != null && pubsub) {
      throw new ChangeSourceException(
          source + ": option 'stream' cannot be combined with channels, patterns or keyspace", "stream", null);
    }
    if (stream == null && !pubsub) {
      throw new ChangeSourceException(
          source + ": nothing to watch; give channels=, patterns=, keyspace= or stream=", "channels", null);
    }
    return this;
  }

  /**
   * {@code host-pid-random}: two readers on one host, or a reader restarted, are distinct consumers
   * (a consumer's pending entries are its own; a predecessor's are claimed after {@code claimIdle}).
   */
  static String defaultConsumer() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      host = System.getenv("HOSTNAME");
    }
    if (host == null || host.isEmpty()) {
      host = "changeflux";
    }
    String random = Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1, 36);
    return host + "-" + ProcessHandle.current().pid() + "-" + random.substring(0, Math.min(6, random.length()));
  }

  private Duration positive(String name, Duration d) {
    if (d.isZero()) {
      throw new ChangeSourceException(source + ": option '" + name + "' must be more than 0", name, null);
    }
    return d;
  }

  private int parsePort(String s) {
    try {
      int v = Integer.parseInt(s);
      if (v < 1 || v > 65535) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw fail("bad port '" + s + "'; expected 1 to 65535", null);
    }
  }

  private ChangeSourceException fail(String what, @Nullable Throwable cause) {
    return new ChangeSourceException(options.redacted() + ": " + what, cause);
  }

  /** The Lettuce URI (holds the password: never print it). */
  public RedisURI uri() {
    RedisURI.Builder b =
        RedisURI.Builder.redis(host, port)
            .withDatabase(db)
            .withSsl(ssl)
            .withTimeout(timeout)
            .withClientName("changeflux");
    if (ssl) {
      b.withVerifyPeer(verifyPeer ? SslVerifyMode.FULL : SslVerifyMode.NONE);
    }
    if (password != null) {
      if (user != null) {
        b.withAuthentication(user, password.toCharArray());
      } else {
        b.withPassword(password.toCharArray());
      }
    }
    return b.build();
  }

  /** Client options with a bounded request queue. */
  public ClientOptions clientOptions(int requestQueueSize) {
    ClientOptions.Builder b =
        ClientOptions.builder()
            .autoReconnect(true)
            .requestQueueSize(requestQueueSize)
            .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build())
            .timeoutOptions(TimeoutOptions.enabled(timeout));
    if (ssl) {
      SslOptions.Builder s = SslOptions.builder().jdkSslProvider().handshakeTimeout(connectTimeout);
      String ca = options.get(RedisProvider.CA_FILE);
      if (ca != null) {
        s.trustManager(new File(ca));
      }
      String ts = options.get(RedisProvider.TRUST_STORE);
      if (ts != null) {
        String tsp = options.get(RedisProvider.TRUST_STORE_PASSWORD);
        s.truststore(new File(ts), tsp == null ? "" : tsp);
      }
      String cert = options.get(RedisProvider.CERT_FILE);
      if (cert != null) {
        // keyFile goes with certFile (checked in the constructor)
        s.keyManager(new File(cert), new File(options.require(RedisProvider.KEY_FILE)), null);
      }
      b.sslOptions(s.build());
    }
    return b.build();
  }

  /** Fresh client resources for one subscription: few threads, capped exponential reconnect. */
  public ClientResources newResources() {
    long capMs = Math.max(10, maxReconnectDelay.toMillis());
    return DefaultClientResources.builder()
        // The JDK resolver: netty's DNS resolver keeps one UDP socket per event loop, and those of
        // an event loop group that was shut down stay open (a descriptor leak per subscription).
        .addressResolverGroup(io.netty.resolver.DefaultAddressResolverGroup.INSTANCE)
        .ioThreadPoolSize(DefaultClientResources.MIN_IO_THREADS)
        .computationThreadPoolSize(DefaultClientResources.MIN_COMPUTATION_THREADS)
        .reconnectDelay(
            () ->
                Delay.exponential(
                    Duration.ofMillis(Math.min(10, capMs)), Duration.ofMillis(capMs), 2, TimeUnit.MILLISECONDS))
        .build();
  }

  /** The source URI with secrets removed. */
  public String source() {
    return source;
  }

  /**
   * What removes secrets from text and exceptions of the client library: the options themselves
   * ({@link SourceOptions#describe}, {@link SourceOptions#sanitize}, {@link SourceOptions#scrub}),
   * by core's one rule.
   */
  public SourceOptions redactor() {
    return options;
  }

  public SourceOptions options() {
    return options;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public int db() {
    return db;
  }

  public Duration timeout() {
    return timeout;
  }

  /** How long without a connection before giving up; null = forever. */
  public @Nullable Duration giveUpAfter() {
    return giveUpAfter;
  }

  /** The cap of the reconnect backoff. */
  public Duration maxReconnectDelay() {
    return maxReconnectDelay;
  }

  public List<String> channels() {
    return channels;
  }

  public List<String> patterns() {
    return patterns;
  }

  public @Nullable String keyspace() {
    return keyspace;
  }

  public boolean configureNotifications() {
    return configureNotifications;
  }

  public @Nullable String stream() {
    return stream;
  }

  public String group() {
    return group;
  }

  public @Nullable String consumer() {
    return consumer;
  }

  public String start() {
    return start;
  }

  public Duration claimIdle() {
    return claimIdle;
  }

  public int batch() {
    return batch;
  }

  public @Nullable Integer maxLen() {
    return maxLen;
  }

  /** Sink with stream: how long an idempotency key is remembered; zero = plain XADD. */
  public Duration duplicateWindow() {
    return duplicateWindow;
  }

  public int maxKeys() {
    return maxKeys;
  }

  /** Whether the user asked to acknowledge by hand. */
  public boolean manualAck() {
    return "manual".equals(options.require(RedisProvider.ACK).toLowerCase(Locale.ROOT));
  }
}
