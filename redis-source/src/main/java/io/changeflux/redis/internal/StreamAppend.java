package io.changeflux.redis.internal;

import org.jspecify.annotations.Nullable;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSourceException;
import io.changeflux.IdempotencyKey;
import io.changeflux.SourceOptions;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * One sink's appends to a stream: each event is stored once however often it is sent within the
 * duplicate window, and a transient failure (connection lost, timeout, the server still loading
 * its data after a restart) is retried until the server confirmed.
 *
 * <p>Idempotent XADD (Redis before 8.2 has none of its own): one Lua script, atomic on the server,
 * looks up the key {@code STREAM:dedup:IDEM} (IDEM = the event's {@link IdempotencyKey}); when
 * present it returns the entry id stored there and appends nothing; else it XADDs the entry
 * (with its {@code idem} field) and sets that key to the new entry id, expiring after the window.
 * Since Redis answers only after the script ran in full, a confirmed append and its dedup key are
 * stored together: with {@code appendonly yes} both survive a SIGKILL of the server; without
 * persistence a restarted server has neither. With {@code duplicateWindow=0}: plain XADD, and a
 * retried append may be stored twice.
 */
final class StreamAppend {

  private static final Logger log = LoggerFactory.getLogger(StreamAppend.class);

  /** KEYS: stream, dedup key. ARGV: window in ms, MAXLEN or '', then field, value, .... */
  static final String SCRIPT =
      "local seen = redis.call('GET', KEYS[2])\n"
          + "if seen then return seen end\n"
          + "local id\n"
          + "if ARGV[2] == '' then\n"
          + "  id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))\n"
          + "else\n"
          + "  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))\n"
          + "end\n"
          + "redis.call('SET', KEYS[2], id, 'PX', ARGV[1])\n"
          + "return id\n";

  private final RedisAsyncCommands<String, byte[]> cmd;
  private final String stream;
  private final @Nullable Integer maxLen;
  private final long windowMs;
  private final Duration maxBackoff;
  private final @Nullable Duration giveUpAfter;
  private final SourceOptions redactor;
  private final String source;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  StreamAppend(RedisSettings settings, RedisAsyncCommands<String, byte[]> cmd) {
    this.cmd = cmd;
    this.stream = java.util.Objects.requireNonNull(settings.stream(), "a stream sink has a stream");
    this.maxLen = settings.maxLen();
    this.windowMs = settings.duplicateWindow().toMillis();
    this.maxBackoff = Duration.ofMillis(Math.max(50, Math.min(1000, settings.maxReconnectDelay().toMillis())));
    this.giveUpAfter = settings.giveUpAfter();
    this.redactor = settings.redactor();
    this.source = settings.source();
  }

  /** The dedup key of an idempotency key. */
  static String dedupKey(String stream, String idem) {
    return stream + ":dedup:" + idem;
  }

  /** Appends {@code e}; completes with the entry id once the server confirmed. */
  Mono<byte[]> send(ChangeEvent e) {
    Map<String, byte[]> fields = Envelope.toFields(e);
    long[] firstFailure = {0};
    return Mono.defer(() -> Mono.fromCompletionStage(append(fields)))
        .retryWhen(
            Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(20))
                .maxBackoff(maxBackoff)
                .filter(t -> retryable(t) && !givenUp(firstFailure))
                .doBeforeRetry(
                    r -> {
                      String kind = r.failure().getClass().getSimpleName();
                      if (warned.add(kind)) {
                        log.warn("{}: XADD failed ({}), retrying until it succeeds: {}", source, kind, redactor.describe(r.failure()));
                      } else {
                        log.debug("{}: XADD of '{}' not confirmed ({}), retrying", source, e.key(), kind);
                      }
                    })
                .onRetryExhaustedThrow((spec, r) -> r.failure()))
        .onErrorMap(
            t -> !(t instanceof ChangeSourceException),
            t ->
                new ChangeSourceException(
                    source + ": publishing '" + e.key() + "' failed: " + redactor.describe(t), redactor.sanitize(t)));
  }

  private java.util.concurrent.CompletionStage<byte[]> append(Map<String, byte[]> fields) {
    if (windowMs == 0) {
      XAddArgs args = new XAddArgs();
      if (maxLen != null) {
        args.maxlen(maxLen).approximateTrimming();
      }
      return cmd.xadd(stream, args, fields).thenApply(id -> id.getBytes(StandardCharsets.UTF_8));
    }
    byte[][] argv = new byte[2 + 2 * fields.size()][];
    argv[0] = Long.toString(windowMs).getBytes(StandardCharsets.US_ASCII);
    argv[1] = maxLen == null ? new byte[0] : maxLen.toString().getBytes(StandardCharsets.US_ASCII);
    int i = 2;
    for (Map.Entry<String, byte[]> f : fields.entrySet()) {
      argv[i++] = f.getKey().getBytes(StandardCharsets.UTF_8);
      argv[i++] = f.getValue();
    }
    String idem = new String(fields.get(Envelope.IDEM), StandardCharsets.UTF_8);
    return cmd.<byte[]>eval(SCRIPT, ScriptOutputType.VALUE, new String[] {stream, dedupKey(stream, idem)}, argv);
  }

  private boolean givenUp(long[] firstFailure) {
    long now = System.nanoTime();
    if (firstFailure[0] == 0) {
      firstFailure[0] = now;
    }
    Duration g = giveUpAfter;
    return g != null && now - firstFailure[0] > g.toNanos();
  }

  /**
   * Whether a failure may pass: the connection (lost, closed while reconnecting, timed out) or a
   * server that is loading its data, busy or not yet ready; not an error the server gave for the
   * command itself (WRONGTYPE, OOM, NOPERM, a script error).
   */
  static boolean retryable(Throwable t) {
    if (t instanceof RedisLoadingException || t instanceof RedisBusyException) {
      return true;
    }
    if (t instanceof RedisCommandExecutionException) {
      String m = String.valueOf(t.getMessage());
      return m.startsWith("LOADING") || m.startsWith("TRYAGAIN") || m.startsWith("MASTERDOWN") || m.startsWith("BUSY");
    }
    return t instanceof io.lettuce.core.RedisException || t instanceof java.io.IOException;
  }
}
