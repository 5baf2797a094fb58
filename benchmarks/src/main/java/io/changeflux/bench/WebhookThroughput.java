package io.changeflux.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.changeflux.ChangeSources;
import io.changeflux.web.internal.Hmac;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * Signed webhook POSTs accepted per second: {@code webhook://…?verify=github} with a consumer that
 * only counts, against a bare Reactor Netty handler that reads the body, checks the same
 * X-Hub-Signature-256 HMAC and answers 200 — the same body, signature, client and concurrency, in
 * alternating rounds of one run. The load generator (a Reactor Netty client, keep-alive, {@code
 * concurrency} requests in flight) runs in the same JVM for both sides.
 */
final class WebhookThroughput {

  private WebhookThroughput() {}

  static final String SECRET = "bench secret";

  static ObjectNode run(int requests, int rounds, int concurrency) throws Exception {
    byte[] body =
        ("{\"ref\":\"refs/heads/main\",\"before\":\"6113728f27ae82c7b1a177c8d03f9e96e0adf246\","
                + "\"after\":\"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c\",\"repository\":{\"full_name\":\"octo/repo\"},"
                + "\"pusher\":{\"name\":\"bench\"},\"commits\":[{\"id\":\"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c\",\"message\":\"m\"}]}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] key = SECRET.getBytes(StandardCharsets.UTF_8);
    String signature = "sha256=" + Hmac.hex(Hmac.sha256(key, body));

    int bfPort = Bench.freePort();
    AtomicLong consumed = new AtomicLong();
    CountDownLatch ready = new CountDownLatch(1);
    Disposable sub =
        ChangeSources.open("webhook://127.0.0.1:" + bfPort + "/h?secret=bench%20secret&backlog=4096&acceptTimeout=30s")
            .events()
            .contextWrite(ChangeSources.onReady(ready::countDown))
            .subscribe(e -> consumed.incrementAndGet());
    if (!ready.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("webhook: not ready");
    }
    int barePort = Bench.freePort();
    DisposableServer bare =
        HttpServer.create()
            .host("127.0.0.1")
            .port(barePort)
            .handle(
                (req, res) ->
                    req.receive()
                        .aggregate()
                        .asByteArray()
                        .defaultIfEmpty(new byte[0])
                        .flatMap(
                            b -> {
                              String given = req.requestHeaders().get("X-Hub-Signature-256");
                              boolean ok =
                                  given != null
                                      && Hmac.equal(
                                          ("sha256=" + Hmac.hex(Hmac.sha256(key, b))).getBytes(StandardCharsets.US_ASCII),
                                          given.getBytes(StandardCharsets.US_ASCII));
                              return res.status(ok ? HttpResponseStatus.OK : HttpResponseStatus.UNAUTHORIZED)
                                  .sendString(Mono.just(ok ? "accepted\n" : "bad signature\n"))
                                  .then();
                            }))
            .bindNow();
    ConnectionProvider pool = ConnectionProvider.builder("bench").maxConnections(concurrency).build();
    HttpClient client = HttpClient.create(pool).headers(h -> h.set("X-GitHub-Event", "push").set("X-Hub-Signature-256", signature));
    List<Double> bareRates = new ArrayList<>();
    List<Double> cfRates = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    long cfAccepted = 0;
    try {
      // warm-up, then alternate which side goes first
      flood(client, barePort, body, requests / 4, concurrency);
      flood(client, bfPort, body, requests / 4, concurrency);
      long warm = consumed.get();
      for (int r = 0; r < rounds; r++) {
        double b;
        double c;
        if (r % 2 == 0) {
          b = flood(client, barePort, body, requests, concurrency)[0];
          double[] x = flood(client, bfPort, body, requests, concurrency);
          c = x[0];
          cfAccepted += (long) x[1];
        } else {
          double[] x = flood(client, bfPort, body, requests, concurrency);
          c = x[0];
          cfAccepted += (long) x[1];
          b = flood(client, barePort, body, requests, concurrency)[0];
        }
        bareRates.add(b);
        cfRates.add(c);
        ratios.add(c / b);
        Bench.log("webhook round %d: bare %.0f/s, changeflux %.0f/s (%.2f)", r, b, c, c / b);
      }
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (consumed.get() - warm < cfAccepted && System.nanoTime() < deadline) {
        Bench.sleepMs(10);
      }
      ObjectNode o = Bench.obj();
      o.put("requestsPerRound", requests);
      o.put("rounds", rounds);
      o.put("concurrency", concurrency);
      o.put("bodyBytes", body.length);
      o.put("barePerSecond", Math.round(Bench.median(bareRates)));
      o.put("changefluxPerSecond", Math.round(Bench.median(cfRates)));
      o.put("ratio", Bench.round(Bench.median(ratios), 3));
      ArrayNode rr = o.putArray("roundRatios");
      ratios.forEach(x -> rr.add(Bench.round(x, 3)));
      o.put("changefluxAccepted", cfAccepted);
      o.put("changefluxDelivered", consumed.get() - warm);
      return o;
    } finally {
      sub.dispose();
      bare.disposeNow(Duration.ofSeconds(10));
      pool.disposeLater().block(Duration.ofSeconds(10));
    }
  }

  /** POSTs {@code n} requests, {@code concurrency} at a time; returns {accepted per second, accepted}. */
  private static double[] flood(HttpClient client, int port, byte[] body, int n, int concurrency) {
    String url = "http://127.0.0.1:" + port + "/h";
    AtomicLong ok = new AtomicLong();
    AtomicLong other = new AtomicLong();
    long t0 = System.nanoTime();
    Flux.range(0, n)
        .flatMap(
            i ->
                client
                    .post()
                    .uri(url)
                    .send(Mono.fromSupplier(() -> io.netty.buffer.Unpooled.wrappedBuffer(body)))
                    .responseSingle(
                        (res, content) -> content.asString().defaultIfEmpty("").thenReturn(res.status().code()))
                    .doOnNext(code -> (code == 200 ? ok : other).incrementAndGet()),
            concurrency)
        .blockLast(Duration.ofMinutes(5));
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (other.get() > 0) {
      throw new IllegalStateException(other.get() + " of " + n + " requests to " + url + " were not answered 200");
    }
    return new double[] {ok.get() / seconds, ok.get()};
  }
}
