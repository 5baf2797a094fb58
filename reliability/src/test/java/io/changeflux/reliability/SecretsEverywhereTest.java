package io.changeflux.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.ChangeSinks;
import io.changeflux.ChangeSource;
import io.changeflux.ChangeSources;
import io.changeflux.OptionSpec;
import io.changeflux.internal.UriSyntax;
import io.changeflux.mem.InMemory;
import io.changeflux.nats.NatsServerProcess;
import io.changeflux.testkit.LogCapture;
import io.changeflux.redis.RedisServerProcess;
import io.changeflux.samples.cli.Main;
import io.changeflux.spi.ChangeSourceProvider;
import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Arbitrary secrets (printable ASCII, non-ASCII, {@code / ? @ # % :}) as Redis passwords, NATS
 * tokens and every option a provider marks sensitive, through {@code ChangeSources.open}, {@code
 * ChangeSinks.open} and the CLI's watch, publish and relay (in-process), succeeding against real
 * servers that the test starts with that secret and failing (bad port, unknown scheme, unknown
 * key, mistyped secret key, connection refused, authentication failed, a raw {@code / ? #} in
 * the user-info): neither the secret nor any 5-character piece of it appears in stdout, stderr, a
 * captured log line, an exception message (causes walked) or an event's {@code source()}.
 */
class SecretsEverywhereTest {

  private static RedisServerProcess redis;
  private static RedisClient admin;
  private static int refused;
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final List<String> ALL_SECRETS = new CopyOnWriteArrayList<>();

  @BeforeContainer
  static void start() throws IOException {
    LogCapture.install();
    redis = RedisServerProcess.start();
    admin = RedisClient.create("redis://127.0.0.1:" + redis.port());
    refused = RedisServerProcess.freePort();
  }

  @AfterContainer
  static void stop() throws IOException {
    if (admin != null) {
      admin.shutdown();
    }
    if (redis != null) {
      redis.close();
    }
    for (String s : ALL_SECRETS) {
      clean("every log line of the run", LogCapture.text(), s);
    }
  }

  /** Against real servers that use the secret: a handful of secrets, each through every path. */
  @Property(tries = 4)
  void secretsNeverShowAgainstRealServers(@ForAll("secrets") String secret) throws Exception {
    String wrong = "W" + new StringBuilder(secret).reverse() + "z";
    ALL_SECRETS.add(secret);
    ALL_SECRETS.add(wrong);
    String e = UriSyntax.encodeUserInfo(secret);
    String q = UriSyntax.encodeQuery(secret);
    String we = UriSyntax.encodeUserInfo(wrong);
    setRedisUser(secret);
    String hp = "127.0.0.1:" + redis.port();
    String channel = "sec" + SEQ.incrementAndGet();
    String redisOk = "redis://alice:" + e + "@" + hp + "?channels=" + channel;
    String redisOption = "redis://" + hp + "?channels=" + channel + "&user=alice&password=" + q;
    String redisWrong = "redis://alice:" + we + "@" + hp + "?channels=" + channel;
    Checker c = new Checker(secret, wrong);

    // library: a source and a sink that authenticate with the secret
    c.sourceReceives(redisOk, () -> ChangeSinks.open(redisOption).publish(Flux.just(ChangeEvent.of(ChangeKind.CREATED, "k"))).block(Duration.ofSeconds(30)));
    c.fails(redisWrong);
    c.sinkFails(redisWrong);
    c.opensOrFails("redis://alice:" + e + "@127.0.0.1:" + refused + "?channels=a");
    c.sinkFails("redis://alice:" + e + "@127.0.0.1:" + refused + "?channels=a");

    try (NatsServerProcess nats = NatsServerProcess.start(false, "authorization { token: \"" + confEscape(secret) + "\" }")) {
      String nhp = nats.hostPort();
      String natsOk = "nats://" + e + "@" + nhp + "?subjects=" + channel;
      String natsOption = "nats://" + nhp + "?subjects=" + channel + "&token=" + q;
      boolean jnatsCanSend = secret.chars().noneMatch(ch -> ch == '"' || ch == '\\');
      if (jnatsCanSend) {
        c.sourceReceives(natsOk, () -> ChangeSinks.open(natsOption).publish(Flux.just(ChangeEvent.of(ChangeKind.CREATED, "k"))).block(Duration.ofSeconds(30)));
      } else {
        // jnats does not escape '"' or '\\' in CONNECT: the URI is rejected up front, cleanly
        c.fails(natsOk);
        c.fails(natsOption);
      }
      c.fails("nats://" + we + "@" + nhp + "?subjects=a");
      c.fails("nats://alice:" + e + "@" + nhp + "?subjects=a");
      c.sinkFails("nats://" + we + "@" + nhp + "?subjects=a");

      // every option a provider marks sensitive, against the live servers
      Map<String, String> base =
          Map.of(
              "redis", "redis://" + hp + "?channels=a&user=alice",
              "rediss", "rediss://" + hp + "?channels=a&connectTimeout=2s",
              "nats", "nats://" + nhp + "?subjects=a",
              "tls", "tls://" + nhp + "?subjects=a",
              "webhook", "webhook://127.0.0.1:" + refused + "/h?verify=github",
              "webhooks", "webhooks://127.0.0.1:" + refused + "/h?verify=github",
              "http", "http://127.0.0.1:" + refused + "/x?interval=1s",
              "https", "https://127.0.0.1:" + refused + "/x?interval=1s");
      for (ChangeSourceProvider p : ChangeSources.providers()) {
        for (OptionSpec<?> spec : p.options()) {
          if (!spec.isSensitive()) {
            continue;
          }
          for (String scheme : p.schemes()) {
            String b = base.get(scheme);
            assertThat(b).as("a base URI for scheme %s (sensitive option %s)", scheme, spec.name()).isNotNull();
            c.opensOrFails(b + "&" + spec.name() + "=" + q);
          }
        }
      }

      // the CLI, in-process
      Cli watch = Cli.start("watch", redisOk, "--count", "1", "--json");
      watch.awaitErr("watching ");
      ChangeSinks.open(redisOption).publish(Flux.just(ChangeEvent.of(ChangeKind.CREATED, "k"))).block(Duration.ofSeconds(30));
      c.cli(watch.await(), 0);
      c.cli(Cli.run("publish", redisOk, "k"), 0);
      c.cli(Cli.run("publish", natsOk, "k"), jnatsCanSend ? 0 : 2);
      c.cli(Cli.run("publish", redisWrong, "k"), -1);
      c.cli(Cli.run("watch", redisWrong, "--count", "1"), -1);
      c.cli(Cli.run("watch", "--debug", "nats://" + we + "@" + nhp + "?subjects=a", "--count", "1"), -1);
      if (!jnatsCanSend) {
        c.cli(Cli.run("relay", "mem:x", natsOk), 2);
        c.logs();
        return;
      }
      String mem = "relay" + SEQ.incrementAndGet();
      Cli relay = Cli.start("relay", "mem:" + mem, natsOk);
      relay.awaitErr("watching ");
      InMemory.channel(mem).emit(ChangeKind.CREATED, "k");
      InMemory.channel(mem).complete();
      Cli.Run relayed = relay.await();
      assertThat(relayed.err()).contains("watching mem:" + mem + " -> nats://***@" + nhp);
      c.cli(relayed, 0);
      c.cli(Cli.run("relay", redisOk, "nats://" + we + "@" + nhp + "?subjects=x"), -1);
    }
    c.logs();
  }

  /** Failing paths only (no server needed): more secrets. */
  @Property(tries = 8)
  void secretsNeverShowInFailures(@ForAll("secrets") String secret) throws Exception {
    ALL_SECRETS.add(secret);
    String e = UriSyntax.encodeUserInfo(secret);
    String q = UriSyntax.encodeQuery(secret);
    Checker c = new Checker(secret);
    List<String> bad =
        List.of(
            "redis://alice:" + e + "@127.0.0.1:99999?channels=a",
            "redis://" + e + "@127.0.0.1:0?channels=a",
            "rediz://alice:" + e + "@127.0.0.1:1?channels=a&password=" + q,
            "natz://127.0.0.1:1?subjects=a&tlsKey=" + q + "&creds=" + q,
            "redis://alice:" + e + "@127.0.0.1:1?channels=a&bogus=1",
            "redis://127.0.0.1:1?channels=a&passwrd=" + q,
            "nats://127.0.0.1:1?subjects=a&tokn=" + q,
            "nats://" + e + "@127.0.0.1:1?subjects=a&subjects=b&queue=" + "q%20x");
    for (String uri : bad) {
      c.fails(uri);
      c.cli(Cli.run("watch", uri, "--count", "1"), 2);
    }
    c.cli(Cli.run("publish", bad.get(0), "k"), 2);
    c.cli(Cli.run("relay", "mem:x", bad.get(2)), 2);
    c.cli(Cli.run("relay", bad.get(4), "nats://127.0.0.1:1?subjects=a"), 2);
    String refusedNats = "nats://" + e + "@127.0.0.1:" + refused + "?subjects=a";
    c.fails(refusedNats);
    c.cli(Cli.run("watch", refusedNats, "--count", "1"), -1);
    if (secret.chars().anyMatch(ch -> ch == '/' || ch == '?' || ch == '#')) {
      String raw = "redis://alice:" + secret + "@127.0.0.1:" + refused + "?channels=a";
      c.fails(raw);
      Cli.Run r = Cli.run("watch", raw, "--count", "1");
      c.cli(r, 2);
      assertThat(r.err()).contains("percent-encode");
    }
    c.logs();
  }

  /** Printable ASCII and some non-ASCII, 8 to 24 characters, always with one of / ? @ # % :. */
  @Provide
  Arbitrary<String> secrets() {
    Arbitrary<String> base =
        Arbitraries.strings().withCharRange(' ', '~').withChars("éü中€ß/?@#%:").ofMinLength(7).ofMaxLength(23);
    return Combinators.combine(base, Arbitraries.of('/', '?', '@', '#', '%', ':'), Arbitraries.integers().between(0, 23))
        .as((s, ch, i) -> s.substring(0, Math.min(i, s.length())) + ch + s.substring(Math.min(i, s.length())))
        .filter(s -> s.chars().distinct().count() >= 6 && !s.contains("***") && !s.isBlank());
  }

  /** Sets the ACL user alice's only password. */
  private static void setRedisUser(String password) {
    try (var conn = admin.connect()) {
      conn.sync()
          .dispatch(
              CommandType.ACL,
              new StatusOutput<>(StringCodec.UTF8),
              new CommandArgs<>(StringCodec.UTF8)
                  .add("SETUSER").add("alice").add("reset").add("on").add(">" + password).add("~*").add("&*").add("+@all"));
    }
  }

  /** A nats-server configuration string: every byte as {@code \xHH}. */
  private static String confEscape(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      sb.append(String.format("\\x%02x", b & 0xff));
    }
    return sb.toString();
  }

  /** Neither the secret nor any 5-character piece of it is in {@code text}. */
  static void clean(String where, String text, String secret) {
    if (text == null) {
      return;
    }
    assertThat(text).as(where).doesNotContain(secret);
    for (int i = 0; i + 5 <= secret.length(); i++) {
      assertThat(text).as("%s: a 5-character piece of the secret", where).doesNotContain(secret.substring(i, i + 5));
    }
    assertThat(text).as(where + " (encoded)").doesNotContain(UriSyntax.encodeUserInfo(secret));
  }

  /** Runs each path and checks everything it printed or threw. */
  static final class Checker {
    private final List<String> secrets;

    Checker(String... secrets) {
      this.secrets = List.of(secrets);
    }

    void text(String where, String text) {
      for (String s : secrets) {
        clean(where, text, s);
      }
    }

    void error(String where, Throwable t) {
      int depth = 0;
      for (Throwable x = t; x != null && depth++ < 20; x = x.getCause()) {
        text(where + " message of " + x.getClass().getName(), x.getMessage());
        text(where + " toString", x.toString());
        for (Throwable s : x.getSuppressed()) {
          error(where + " suppressed", s);
        }
      }
    }

    /** Opens a source and reads it briefly: success or failure, nothing shows the secret. */
    void opensOrFails(String uri) {
      try {
        ChangeSource s = ChangeSources.open(uri);
        text("toString of the source", s.toString());
        s.events()
            .take(Duration.ofMillis(500))
            .doOnNext(ev -> text("source()", ev.source()))
            .onErrorResume(t -> {
              error("onError", t);
              return Flux.empty();
            })
            .blockLast(Duration.ofSeconds(60));
      } catch (RuntimeException t) {
        error("open", t);
      }
    }

    /** Opens a source that must fail (at open or at start). */
    void fails(String uri) {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      try {
        ChangeSource s = ChangeSources.open(uri);
        text("toString of the source", s.toString());
        s.events().doOnNext(ev -> text("source()", ev.source())).blockLast(Duration.ofSeconds(60));
      } catch (RuntimeException t) {
        failure.set(t);
      }
      assertThat(failure.get()).as("failure of a source").isNotNull();
      error("failure", failure.get());
    }

    void sinkFails(String uri) {
      Throwable failure = null;
      try {
        ChangeSinks.open(uri).publish(Flux.just(ChangeEvent.of(ChangeKind.CREATED, "k"))).block(Duration.ofSeconds(60));
      } catch (RuntimeException t) {
        failure = t;
      }
      assertThat(failure).as("failure of a sink").isNotNull();
      error("sink failure", failure);
    }

    /** Subscribes, runs {@code publish} once the source is ready, and checks the event it receives. */
    void sourceReceives(String uri, Runnable publish) throws InterruptedException {
      ChangeSource s = ChangeSources.open(uri);
      text("toString of the source", s.toString());
      CountDownLatch ready = new CountDownLatch(1);
      CompletableFuture<ChangeEvent> got = new CompletableFuture<>();
      Disposable d =
          s.events()
              .contextWrite(ChangeSources.onReady(ready::countDown))
              .subscribe(got::complete, got::completeExceptionally);
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ready.await(100, TimeUnit.MILLISECONDS) && !got.isDone()) {
          assertThat(System.nanoTime()).as("ready: " + s).isLessThan(deadline);
        }
        publish.run();
        ChangeEvent ev = got.get(60, TimeUnit.SECONDS);
        text("source()", ev.source());
        assertThat(ev.source()).contains("***");
      } catch (Exception ex) {
        error("receive", ex);
        fail("no event from the source", ex);
      } finally {
        d.dispose();
      }
    }

    /** A CLI run: its stdout and stderr are clean; exit status as expected (-1: any non-zero). */
    void cli(Cli.Run r, int status) {
      text("stdout of " + r.what(), r.out());
      text("stderr of " + r.what(), r.err());
      if (status < 0) {
        assertThat(r.status()).as("exit status of %s: %s", r.what(), r.err()).isNotZero();
      } else {
        assertThat(r.status()).as("exit status of %s: %s", r.what(), r.err()).isEqualTo(status);
      }
    }

    void logs() {
      text("captured logs", LogCapture.text());
    }
  }

  /** The CLI's Main, in-process, with stdout and stderr captured (one at a time). */
  static final class Cli {
    record Run(String what, int status, String out, String err) {}

    private final String what;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CompletableFuture<Integer> status = new CompletableFuture<>();

    private Cli(String what) {
      this.what = what;
    }

    static Run run(String... args) throws Exception {
      return start(args).await();
    }

    static Cli start(String... args) {
      Cli c = new Cli(args[0]);
      CountDownLatch swapped = new CountDownLatch(1);
      Thread t =
          new Thread(
              () -> {
                synchronized (Cli.class) {
                  PrintStream out0 = System.out;
                  PrintStream err0 = System.err;
                  System.setOut(new PrintStream(c.out, true, StandardCharsets.UTF_8));
                  System.setErr(new PrintStream(c.err, true, StandardCharsets.UTF_8));
                  swapped.countDown();
                  try {
                    c.status.complete(Main.run(args));
                  } catch (Throwable x) {
                    c.status.completeExceptionally(x);
                  } finally {
                    System.setOut(out0);
                    System.setErr(err0);
                  }
                }
              },
              "cli-" + args[0]);
      t.setDaemon(true);
      t.start();
      try {
        swapped.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return c;
    }

    String errText() {
      synchronized (err) {
        return err.toString(StandardCharsets.UTF_8);
      }
    }

    void awaitErr(String needle) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!errText().contains(needle)) {
        if (status.isDone() || System.nanoTime() > deadline) {
          fail("no '" + needle + "' from " + what + ": " + errText());
        }
        Thread.sleep(20); // polling a buffer, not synchronising on time
      }
    }

    Run await() throws Exception {
      int s = status.get(120, TimeUnit.SECONDS);
      return new Run(what, s, out.toString(StandardCharsets.UTF_8), errText());
    }
  }
}
