package io.changeflux.samples.queue;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSourceException;
import io.changeflux.ChangeSources;
import io.changeflux.OptionSpec;
import io.changeflux.SourceOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A request-queue consumer, chosen by one properties file where one line changes the transport:
 *
 * <pre>
 * source=fs:/srv/queue/pending          # wakes the moment a request file lands; fallback=auto polls where watching is unavailable
 * #source=poll:/srv/queue/pending?interval=2s
 * #source=nats://hub:4222?subjects=requests&amp;stream=REQUESTS&amp;durable=workers
 * #source=redis://hub:6379?stream=requests&amp;group=workers&amp;consumer=w1
 * handler=./process-request.sh          # gets the request on stdin (and REQUEST_FILE / REQUEST_KEY)
 * </pre>
 *
 * <p><b>Files</b> ({@code fs:} and {@code poll:}): requests already pending at start are processed
 * first. A request is claimed by an atomic rename into {@code processing/} beside {@code
 * pending/} (so two consumers never take the same one), handled, and moved to {@code done/}, or to
 * {@code failed/} with {@code NAME.reason} beside it. Writers should create a request under another
 * name and rename it into {@code pending/} (as maildir does), so that a half-written request is
 * never picked up; for writers that do not, an {@code fs:} queue holds a new request until it has
 * not changed for 250 ms ({@code stable=250ms} unless the config sets {@code stable}). A consumer
 * killed mid-request and restarted finishes what it left: a request
 * whose handler had succeeded (a {@code NAME.ok} marker in {@code processing/}) is moved to {@code
 * done/} without running again; one whose handler was interrupted runs again, because it never
 * completed. Nothing is lost, and nothing that completed runs twice.
 *
 * <p>With {@code state=PATH} on an {@code fs:} or {@code poll:} queue, the source also remembers
 * what it delivered (acknowledged once the request was handled), so a restarted consumer learns of
 * the requests that arrived while it was down from the state as well as from the scan of {@code
 * pending/} ({@code initial=true}, kept): a request is claimed once either way.
 *
 * <p><b>Brokers</b> (Redis Streams, NATS JetStream): the body is the request; the message is
 * acknowledged only after the handler finished (success or failure, which is logged), so a
 * consumer killed mid-request gets it again on restart.
 */
public final class QueueConsumer {

  private static final Logger log = LoggerFactory.getLogger(QueueConsumer.class);

  /** {@code stable=} for {@code fs:} queues unless the config sets it ({@code stable=0}: none). */
  static final String STABLE_DEFAULT = "250ms";

  /** What processes one request. */
  @FunctionalInterface
  public interface Handler {
    /**
     * Handles one request; throws to mark it failed (the message becomes the reason).
     *
     * @param key the request file's name, or the message's key
     * @param body the request's bytes
     * @param file the claimed request file, for file queues; null for brokers
     */
    void handle(String key, byte[] body, Path file) throws Exception;
  }

  private final SourceOptions options;
  private final Handler handler;
  private final boolean files;
  private final Path pending;
  private final Path processing;
  private final Path done;
  private final Path failed;
  private final AtomicLong handled = new AtomicLong();

  /** A consumer of the queue the properties name ({@code source=URI} plus its option keys). */
  public QueueConsumer(Properties config, Handler handler) {
    Properties p = new Properties();
    p.putAll(config);
    p.remove("handler");
    SourceOptions o = SourceOptions.fromProperties(p, "");
    this.files = o.scheme().equals("fs") || o.scheme().equals("poll");
    boolean hasAck =
        ChangeSources.options(ChangeSources.provider(o)).stream().map(OptionSpec::name).anyMatch("ack"::equals);
    if (files) {
      if (o.has("state") && hasAck && !o.has("ack")) {
        // state=: the stored state advances only for events handled (or found already claimed).
        o = o.with("ack", "manual");
      }
      pending = Path.of(o.targetDecoded()).toAbsolutePath().normalize();
      if (!Files.isDirectory(pending)) {
        throw new ChangeSourceException(o.redacted() + ": no such directory: " + pending);
      }
      Path queue = pending.getParent();
      processing = queue.resolve("processing");
      done = queue.resolve("done");
      failed = queue.resolve("failed");
      if (!o.has("initial")) {
        o = o.with("initial", "true");
      }
      if (o.scheme().equals("fs") && !o.has("recursive")) {
        o = o.with("recursive", "false");
      }
      if (o.scheme().equals("fs") && !o.has("stable")) {
        // A writer that does not rename into pending/ is still read whole, not at its first bytes.
        o = o.with("stable", STABLE_DEFAULT);
      }
    } else {
      pending = processing = done = failed = null;
      if (hasAck) {
        o = o.with("ack", "manual");
      }
    }
    this.options = o;
    this.handler = handler;
  }

  /** A handler that runs a shell command with the request on stdin and REQUEST_KEY / REQUEST_FILE in its environment. */
  public static Handler command(String command, Path workDir) {
    return (key, body, file) -> {
      ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true);
      if (workDir != null) {
        pb.directory(workDir.toFile());
      }
      pb.environment().put("REQUEST_KEY", key);
      if (file != null) {
        pb.environment().put("REQUEST_FILE", file.toString());
      }
      Process proc = pb.start();
      try (var in = proc.getOutputStream()) {
        in.write(body);
      } catch (IOException e) {
        // the handler did not read its stdin
      }
      byte[] out = proc.getInputStream().readAllBytes();
      int rc = proc.waitFor();
      if (out.length > 0) {
        System.err.write(out);
        System.err.flush();
      }
      if (rc != 0) {
        String tail = new String(out, StandardCharsets.UTF_8).strip();
        if (tail.length() > 500) {
          tail = "…" + tail.substring(tail.length() - 500);
        }
        throw new IOException("handler exited with status " + rc + (tail.isEmpty() ? "" : ": " + tail));
      }
    };
  }

  /** The source's options as used (redacted when printed). */
  public SourceOptions options() {
    return options;
  }

  /** Requests handled so far (done or failed). */
  public long handled() {
    return handled.get();
  }

  /** Starts consuming; dispose to stop. {@code onReady} runs once the source is established. */
  public Disposable start(Runnable onReady) {
    return start(
        onReady,
        error -> log.error("queue consumer stopped: {}", SourceOptions.redact(String.valueOf(error.getMessage()))));
  }

  /** Starts consuming; dispose to stop. {@code onError} receives a failure that stopped the consumer. */
  public Disposable start(Runnable onReady, java.util.function.Consumer<Throwable> onError) {
    ChangeSource source = ChangeSources.open(options);
    Scheduler worker = Schedulers.newSingle("changeflux-queue");
    Flux<ChangeEvent> events = source.events().contextWrite(ChangeSources.onReady(onReady));
    Flux<Object> work;
    if (files) {
      work =
          Mono.fromRunnable(this::recover)
              .subscribeOn(worker)
              .thenMany(events)
              .publishOn(worker, 256)
              .concatMap(e -> Mono.fromRunnable(() -> onFileEvent(e)));
    } else {
      work = events.publishOn(worker, 1).concatMap(e -> Mono.fromRunnable(() -> onMessage(e)));
    }
    Disposable d = work.subscribe(x -> {}, onError);
    return () -> {
      d.dispose();
      worker.dispose();
    };
  }

  private void onMessage(ChangeEvent e) {
    if (e.kind() == ChangeKind.OVERFLOW) {
      log.warn("{}: messages may have been lost (OVERFLOW on '{}')", options.redacted(), e.key());
      return;
    }
    try {
      handler.handle(e.key(), e.payload(), null);
    } catch (InterruptedException ex) {
      // Stopped mid-request: not acknowledged, so the broker delivers it again.
      Thread.currentThread().interrupt();
      return;
    } catch (Exception ex) {
      log.warn("request {} failed: {}", e.key(), ex.getMessage());
    }
    handled.incrementAndGet();
    e.ack();
  }

  private void onFileEvent(ChangeEvent e) {
    if (e.kind() == ChangeKind.OVERFLOW) {
      scanPending();
    } else if (e.kind() != ChangeKind.DELETED && e.key().indexOf('/') < 0) {
      claimAndHandle(pending.resolve(e.key()));
    }
    e.ack(); // with state=: the request is done (or was taken by another consumer)
  }

  /** At start: finish what a killed consumer left in processing/. */
  private void recover() {
    try {
      Files.createDirectories(processing);
      Files.createDirectories(done);
      Files.createDirectories(failed);
      for (Path p : list(processing)) {
        String name = p.getFileName().toString();
        if (name.endsWith(".ok")) {
          continue;
        }
        Path ok = processing.resolve(name + ".ok");
        if (Files.exists(ok)) {
          log.info("request {} had completed before a restart: moving it to done/", name);
          finish(p, done);
          Files.deleteIfExists(ok);
        } else {
          log.info("request {} was interrupted by a restart: running it again", name);
          handleClaimed(p);
        }
      }
      for (Path p : list(processing)) {
        if (p.getFileName().toString().endsWith(".ok")) {
          Files.deleteIfExists(p); // marker whose request was already moved
        }
      }
    } catch (IOException ex) {
      throw new ChangeSourceException(options.redacted() + ": cannot prepare " + processing + ": " + ex.getMessage(), ex);
    }
  }

  private void scanPending() {
    try {
      for (Path p : list(pending)) {
        claimAndHandle(p);
      }
    } catch (IOException ex) {
      log.warn("cannot list {}: {}", pending, ex.toString());
    }
  }

  private void claimAndHandle(Path request) {
    if (!Files.isRegularFile(request)) {
      return;
    }
    Path claimed = processing.resolve(request.getFileName());
    try {
      try {
        Files.move(request, claimed, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException ex) {
        Files.move(request, claimed);
      }
    } catch (NoSuchFileException | FileAlreadyExistsException ex) {
      return; // another consumer took it, or it was already handled
    } catch (IOException ex) {
      log.warn("cannot claim {}: {}", request, ex.toString());
      return;
    }
    handleClaimed(claimed);
  }

  private void handleClaimed(Path claimed) {
    String name = claimed.getFileName().toString();
    try {
      byte[] body = Files.readAllBytes(claimed);
      handler.handle(name, body, claimed);
      Files.createFile(processing.resolve(name + ".ok"));
      finish(claimed, done);
      Files.deleteIfExists(processing.resolve(name + ".ok"));
    } catch (Exception ex) {
      log.warn("request {} failed: {}", name, ex.getMessage());
      try {
        Files.writeString(failed.resolve(name + ".reason"), String.valueOf(ex.getMessage()) + "\n");
        finish(claimed, failed);
      } catch (IOException io) {
        log.error("cannot move failed request {} to {}: {}", name, failed, io.toString());
      }
    } finally {
      handled.incrementAndGet();
    }
  }

  private static void finish(Path claimed, Path to) throws IOException {
    Files.move(claimed, to.resolve(claimed.getFileName()), StandardCopyOption.REPLACE_EXISTING);
  }

  private static List<Path> list(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(out::add);
    }
    out.sort(null);
    return out;
  }
}
