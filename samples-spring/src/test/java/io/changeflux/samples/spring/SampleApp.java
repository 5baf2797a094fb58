package io.changeflux.samples.spring;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The sample app started on a random port for a test, with everything it prints captured. */
final class SampleApp implements AutoCloseable {

  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static final ByteArrayOutputStream PRINTED = new ByteArrayOutputStream();
  private static boolean teed;

  final ConfigurableApplicationContext context;
  final int port;
  final List<String> bodies = new CopyOnWriteArrayList<>();
  /** The SSE streams this test opened, closed (the client leaves) before the app stops. */
  private final List<CompletableFuture<HttpResponse<Stream<String>>>> streams = new CopyOnWriteArrayList<>();

  private SampleApp(ConfigurableApplicationContext context) {
    this.context = context;
    this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  static synchronized SampleApp start(String... properties) {
    if (!teed) {
      teed = true;
      System.setOut(new PrintStream(tee(System.out), true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(tee(System.err), true, StandardCharsets.UTF_8));
    }
    // the build puts slf4j-simple on every test class path: let Spring Boot leave logging alone
    System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
    List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1"));
    for (String p : properties) {
      args.add("--" + p);
    }
    SpringApplication app = new SpringApplication(SampleApplication.class);
    return new SampleApp(app.run(args.toArray(String[]::new)));
  }

  private static OutputStream tee(PrintStream original) {
    return new OutputStream() {
      @Override
      public void write(int b) {
        original.write(b);
        synchronized (PRINTED) {
          PRINTED.write(b);
        }
      }

      @Override
      public void write(byte[] b, int off, int len) {
        original.write(b, off, len);
        synchronized (PRINTED) {
          PRINTED.write(b, off, len);
        }
      }
    };
  }

  /** Everything printed to stdout and stderr since the first app started. */
  static String printed() {
    synchronized (PRINTED) {
      return PRINTED.toString(StandardCharsets.UTF_8);
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** GET, body as text (kept for the no-secret check). */
  String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    bodies.add(r.body());
    return r.body();
  }

  /** Reads an SSE stream in the background, line by line. */
  List<String> stream(String path) {
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<HttpResponse<Stream<String>>> response =
        HTTP.sendAsync(
            HttpRequest.newBuilder(uri(path)).header("Accept", "text/event-stream").build(),
            HttpResponse.BodyHandlers.ofLines());
    streams.add(response);
    response.thenAccept(r -> r.body().forEach(lines::add));
    return lines;
  }

  /**
   * Closes the SSE streams, then the app. An open stream is an active request: left open, the
   * server's graceful shutdown (Spring Boot's default) waits its whole 30 s timeout for it.
   */
  @Override
  public void close() {
    for (CompletableFuture<HttpResponse<Stream<String>>> s : streams) {
      s.thenAccept(r -> r.body().close());
      s.cancel(true);
    }
    context.close();
  }
}
