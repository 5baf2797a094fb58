package io.changeflux.nats.internal;

import io.changeflux.ChangeSourceException;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The options of the {@code nats:} and {@code tls:} schemes, parsed and checked once, without I/O
 * beyond checking that named files exist.
 */
public final class NatsConfig {

  /** Subjects: core subscriptions, the JetStream filter, or the subject a sink publishes to. */
  public static final OptionSpec<List<String>> SUBJECTS =
      OptionSpec.list(
          "subjects",
          "subjects to subscribe to, wildcards allowed (a.>, b.*); a sink publishes to the one subject given");

  /** Queue group. */
  public static final OptionSpec<String> QUEUE =
      OptionSpec.string("queue", null, "queue group: each message goes to one member of the group");

  /** JetStream stream. */
  public static final OptionSpec<String> STREAM =
      OptionSpec.string("stream", null, "JetStream stream to read from (with durable) or publish to");

  /** JetStream durable consumer. */
  public static final OptionSpec<String> DURABLE =
      OptionSpec.string("durable", null, "JetStream durable pull consumer name (with stream)");

  /** Create the stream when missing. */
  public static final OptionSpec<Boolean> CREATE_STREAM =
      OptionSpec.bool("createStream", true, "create the stream over subjects when it does not exist");

  /** Where a new durable consumer starts. */
  public static final OptionSpec<String> DELIVER =
      OptionSpec.choice(
          "deliver", "all", "where a new durable consumer starts: all stored messages or new ones", "all", "new");

  /** Who acknowledges JetStream messages. */
  public static final OptionSpec<String> ACK =
      OptionSpec.choice(
          "ack",
          "auto",
          "auto: acknowledged once handed downstream; manual: the consumer calls ChangeEvent.ack()",
          "auto",
          "manual");

  /** Redelivery timeout of unacknowledged messages. */
  public static final OptionSpec<Duration> ACK_WAIT =
      OptionSpec.duration("ackWait", "30s", "JetStream redelivers a message not acknowledged within this time");

  /** Unacknowledged messages the server lets a consumer hold. */
  public static final OptionSpec<Integer> MAX_ACK_PENDING =
      OptionSpec.integer(
          "maxAckPending", 1000, 1, Integer.MAX_VALUE, "unacknowledged messages a new durable consumer may hold");

  /** Largest pull. */
  public static final OptionSpec<Integer> BATCH =
      OptionSpec.integer(
          "batch", 256, 1, 100_000, "most messages one JetStream pull asks for (less when demand is lower)");

  /** Pull expiry (idle heartbeats run at half of it). */
  public static final OptionSpec<Duration> FETCH_WAIT =
      OptionSpec.duration(
          "fetchWait", "5s", "how long one JetStream pull waits for messages (at least 1s; heartbeats at half of it)");

  /** Stream duplicate window. */
  public static final OptionSpec<Duration> DUPLICATE_WINDOW =
      OptionSpec.duration(
          "duplicateWindow", "2m", "duplicate window of a stream this source or sink creates (Nats-Msg-Id dedup)");

  /** Reconnect attempts. */
  public static final OptionSpec<Integer> MAX_RECONNECTS =
      OptionSpec.integer("maxReconnects", -1, -1, Integer.MAX_VALUE, "reconnect attempts after a lost connection; -1 = forever");

  /** Wait between reconnect attempts. */
  public static final OptionSpec<Duration> RECONNECT_WAIT =
      OptionSpec.duration("reconnectWait", "2s", "wait between reconnect attempts to the same server");

  /** Connect timeout. */
  public static final OptionSpec<Duration> CONNECT_TIMEOUT =
      OptionSpec.duration("connectTimeout", "2s", "timeout of the first connection; failing it ends the stream with an error");

  /** Client PING interval: a connection with two PINGs unanswered is reconnected. */
  public static final OptionSpec<Duration> PING_INTERVAL =
      OptionSpec.duration(
          "pingInterval", "10s", "client PING interval; two unanswered PINGs make the client reconnect");

  /** Pending messages a core subscription buffers before the client drops (slow consumer). */
  public static final OptionSpec<Integer> PENDING_LIMIT =
      OptionSpec.integer(
          "pendingLimit",
          65_536,
          1,
          Integer.MAX_VALUE,
          "messages a core subscription buffers in the client before dropping (reported as OVERFLOW)");

  /** Unconfirmed publishes of a sink. */
  public static final OptionSpec<Integer> MAX_IN_FLIGHT =
      OptionSpec.integer("maxInFlight", 256, 1, 65_536, "sink: publishes awaiting a JetStream ack at once");

  /** Token. */
  public static final OptionSpec<String> TOKEN =
      OptionSpec.string("token", null, "authentication token (or write it as nats://TOKEN@host)").sensitive();

  /** Credentials file. */
  public static final OptionSpec<String> CREDS =
      OptionSpec.string("creds", null, "NATS credentials file (JWT + NKey seed)").sensitive();

  /** CA certificates. */
  public static final OptionSpec<String> TLS_CA =
      OptionSpec.string("tlsCa", null, "PEM file of CA certificates to trust (default: the JVM's trust store)");

  /** Client certificate. */
  public static final OptionSpec<String> TLS_CERT =
      OptionSpec.string("tlsCert", null, "PEM file of the client certificate chain (with tlsKey)");

  /** Client key. */
  public static final OptionSpec<String> TLS_KEY =
      OptionSpec.string("tlsKey", null, "PEM file of the client's PKCS#8 private key (with tlsCert)").sensitive();

  /** Every option of the scheme. */
  public static final List<OptionSpec<?>> OPTIONS =
      List.of(
          SUBJECTS,
          QUEUE,
          STREAM,
          DURABLE,
          CREATE_STREAM,
          DELIVER,
          ACK,
          ACK_WAIT,
          MAX_ACK_PENDING,
          BATCH,
          FETCH_WAIT,
          DUPLICATE_WINDOW,
          MAX_RECONNECTS,
          RECONNECT_WAIT,
          CONNECT_TIMEOUT,
          PING_INTERVAL,
          PENDING_LIMIT,
          MAX_IN_FLIGHT,
          TOKEN,
          CREDS,
          TLS_CA,
          TLS_CERT,
          TLS_KEY);

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

  private final SourceOptions options;
  private final String source;
  private final boolean tls;
  private final List<String> servers;
  private final @Nullable String user;
  private final @Nullable String password;
  private final @Nullable String token;
  private final List<String> subjects;

  private NatsConfig(SourceOptions options) {
    this.options = options;
    this.source = options.redacted();
    this.tls = options.scheme().equals("tls");
    SourceOptions.Authority a = options.authority();
    if (!options.target().startsWith("//") || a.hosts().isEmpty()) {
      throw fail("missing server; expected " + options.scheme() + "://[user:pass@|token@]host:port[,host:port...]");
    }
    if (!a.path().isEmpty() && !a.path().equals("/")) {
      throw fail("unexpected path '" + a.path() + "' after the servers; options go after '?'");
    }
    List<String> urls = new ArrayList<>();
    String protocol = tls ? "tls://" : "nats://";
    for (String h : a.hosts()) {
      String hp = h.contains(":") && !h.endsWith("]") ? h : h + ":4222";
      int colon = hp.lastIndexOf(':');
      try {
        int port = Integer.parseInt(hp.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw fail("bad port in server '" + h + "'; expected host:port");
      }
      urls.add(protocol + hp);
    }
    this.servers = List.copyOf(urls);
    this.user = a.user().orElse(null);
    String pw = a.password().orElse(null);
    String tok = options.get(TOKEN);
    if (user == null && pw != null) {
      if (tok != null) {
        throw fail("a token is given twice (before '@' and as option 'token')");
      }
      tok = pw;
      pw = null;
    }
    this.password = pw;
    this.token = tok;
    for (String secret : new String[] {user, pw, tok}) {
      if (secret != null && secret.chars().anyMatch(c -> c == '"' || c == '\\' || c < 0x20)) {
        // jnats writes these into its CONNECT JSON unescaped: the server would reject the line, or
        // read fields the secret injected
        throw fail(
            "a user name, password or token holds '\"', '\\' or a control character, which jnats"
                + " cannot send; choose one without");
      }
    }
    if (user != null && token != null) {
      throw fail("give either user:password or a token, not both");
    }
    String creds = options.get(CREDS);
    if (creds != null && !Files.isReadable(Path.of(creds))) {
      throw fail("option 'creds': the credentials file cannot be read");
    }
    for (OptionSpec<String> f : List.of(TLS_CA, TLS_CERT, TLS_KEY)) {
      String file = options.get(f);
      if (file != null && !Files.isReadable(Path.of(file))) {
        throw fail(
            "option '" + f.name() + "': cannot read " + (f.isSensitive() ? "the file" : "'" + file + "'"),
            f.name());
      }
    }
    if ((options.get(TLS_CERT) == null) != (options.get(TLS_KEY) == null)) {
      throw fail("tlsCert and tlsKey go together (the client certificate and its key)");
    }
    this.subjects = options.require(SUBJECTS);
    for (String s : subjects) {
      if (!validSubject(s, true)) {
        throw fail("bad subject '" + s + "' in option 'subjects'; tokens are separated by '.', '*' and '>' are wildcards", "subjects");
      }
    }
    String stream = options.get(STREAM);
    String durable = options.get(DURABLE);
    if (stream != null && !NAME.matcher(stream).matches()) {
      throw fail("bad stream name '" + stream + "'; accepted: letters, digits, '-' and '_'", "stream");
    }
    if (durable != null && !NAME.matcher(durable).matches()) {
      throw fail("bad durable name '" + durable + "'; accepted: letters, digits, '-' and '_'", "durable");
    }
    String queue = options.get(QUEUE);
    if (queue != null && !validSubject(queue, false)) {
      throw fail("bad queue group '" + queue + "'", "queue");
    }
    if (options.require(FETCH_WAIT).compareTo(Duration.ofSeconds(1)) < 0) {
      throw fail("option 'fetchWait' must be at least 1s", "fetchWait");
    }
  }

  /** Parses validated options. */
  public static NatsConfig of(SourceOptions options) {
    return new NatsConfig(options);
  }

  /** Checks what a source needs. */
  public NatsConfig forSource() {
    boolean js = jetStream();
    if (options.get(DURABLE) != null && options.get(STREAM) == null) {
      throw fail("option 'durable' needs 'stream' (the JetStream stream the consumer reads)", "durable");
    }
    if (js) {
      if (subjects.size() > 1) {
        throw fail(
            "a JetStream consumer takes one filter subject on nats-server 2.9; got subjects="
                + String.join(",", subjects),
            "subjects");
      }
      if (options.get(QUEUE) != null) {
        throw fail("option 'queue' is for core subscriptions; several sources sharing one durable split its messages", "queue");
      }
    } else {
      if (options.get(STREAM) != null) {
        throw fail("option 'stream' needs 'durable' to read (the name of the durable consumer)", "stream");
      }
      if (subjects.isEmpty()) {
        throw fail("missing option 'subjects' (what to subscribe to, e.g. subjects=changes.>)", "subjects");
      }
    }
    return this;
  }

  /** Checks what a sink needs. */
  public NatsConfig forSink() {
    if (subjects.size() != 1 || !validSubject(subjects.get(0), false)) {
      throw fail(
          "a sink publishes to one subject without wildcards: subjects=NAME (got '"
              + String.join(",", subjects)
              + "')",
          "subjects");
    }
    return this;
  }

  /** Whether the source reads a JetStream durable consumer. */
  public boolean jetStream() {
    return options.get(DURABLE) != null && options.get(STREAM) != null;
  }

  /** A parsed option, or null when it is not given and has no default. */
  public <T> @Nullable T get(OptionSpec<T> spec) {
    return options.get(spec);
  }

  /** A parsed option that always has a value (it has a default); see {@link SourceOptions#require}. */
  public <T> T require(OptionSpec<T> spec) {
    return options.require(spec);
  }

  /** The options. */
  public SourceOptions options() {
    return options;
  }

  /** The redacted URI. */
  public String source() {
    return source;
  }

  /** Server URLs for jnats ({@code nats://h:p} or {@code tls://h:p}), without credentials. */
  public List<String> servers() {
    return servers;
  }

  /** Whether TLS is asked for (tls: scheme or any tls* option). */
  public boolean tls() {
    return tls || options.get(TLS_CA) != null || options.get(TLS_CERT) != null;
  }

  /** The user name, or null. */
  public @Nullable String user() {
    return user;
  }

  /** The password, or null. Never print it. */
  public @Nullable String password() {
    return password;
  }

  /** The token, or null. Never print it. */
  public @Nullable String token() {
    return token;
  }

  /** The subjects option. */
  public List<String> subjects() {
    return subjects;
  }

  /**
   * {@code text} from a client library with every secret of this configuration, user-infos and
   * secret keys' values replaced by {@code ***} (core's one rule: {@link SourceOptions#scrub}).
   */
  public String redact(@Nullable String text) {
    return text == null ? "" : options.scrub(text);
  }

  /** A start-up failure naming the redacted URI and the (redacted) cause. */
  public ChangeSourceException startFailure(String what, @Nullable Throwable cause) {
    return new ChangeSourceException(source + ": " + what + ": " + describe(cause), options.sanitize(cause));
  }

  /** One line about a failure from jnats, redacted. */
  public String describe(@Nullable Throwable cause) {
    return options.describe(cause);
  }

  ChangeSourceException fail(String message) {
    return new ChangeSourceException(source + ": " + message);
  }

  ChangeSourceException fail(String message, String option) {
    return new ChangeSourceException(source + ": " + message, option, null);
  }

  static boolean validSubject(String s, boolean wildcards) {
    if (s.isEmpty() || s.startsWith(".") || s.endsWith(".") || s.contains("..")) {
      return false;
    }
    String[] tokens = s.split("\\.");
    for (int i = 0; i < tokens.length; i++) {
      String t = tokens[i];
      for (int j = 0; j < t.length(); j++) {
        char c = t.charAt(j);
        if (c <= ' ' || c == 0x7f) {
          return false;
        }
      }
      if (t.contains("*") || t.contains(">")) {
        if (!wildcards) {
          return false;
        }
        if (!(t.equals("*") || (t.equals(">") && i == tokens.length - 1))) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return source;
  }

  /** Lower-cased scheme. */
  public String scheme() {
    return options.scheme().toLowerCase(Locale.ROOT);
  }
}
