package io.changeflux.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;

/** Test helpers: free ports, real senders (curl, JDK HttpClient), signatures by openssl. */
public final class Web {

  private Web() {}

  /** A free loopback port. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a command, returns its stdout; fails the test on a non-zero exit. */
  public static String run(Path stdin, String... cmd) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
      if (stdin != null) {
        pb.redirectInput(stdin.toFile());
      }
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("exit status of %s", String.join(" ", cmd)).isZero();
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code sha256=HEX} of the file's bytes under the secret, computed by openssl. */
  public static String githubSignature(String secret, Path body) {
    String out = run(body, "openssl", "dgst", "-sha256", "-hmac", secret);
    String hex = out.trim().replaceAll("^.*= *", "");
    assertThat(hex).matches("[0-9a-f]{64}");
    return "sha256=" + hex;
  }

  /** POSTs a file with curl; returns "STATUS\nBODY". */
  public static String curlPost(String url, Path body, String... headers) {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-k", "-o", "-", "-w", "\n%{http_code}", "--data-binary", "@" + body));
    for (String h : headers) {
      cmd.add("-H");
      cmd.add(h);
    }
    cmd.add(url);
    String out = run(null, cmd.toArray(new String[0]));
    int nl = out.lastIndexOf('\n');
    return out.substring(nl + 1) + "\n" + out.substring(0, nl);
  }

  /** Writes a temp file. */
  public static Path file(Path dir, String name, String content) {
    try {
      return Files.writeString(dir.resolve(name), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JDK HttpClient POST; returns the response. */
  public static HttpResponse<String> post(String url, byte[] body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A shared JDK HttpClient, HTTP/1.1. */
  public static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  /** A subscription that collects events into a queue; {@link #close()} cancels it. */
  public static final class Collector implements AutoCloseable {
    /** The events received. */
    public final BlockingQueue<ChangeEvent> events = new LinkedBlockingQueue<>();
    /** The error, if the stream failed. */
    public volatile Throwable error;

    private final Disposable subscription;

    /** Opens the URI and waits until the source is ready. */
    public Collector(String uri) {
      CountDownLatch ready = new CountDownLatch(1);
      subscription =
          ChangeSources.open(uri)
              .events()
              .contextWrite(ChangeSources.onReady(ready::countDown))
              .subscribe(events::add, e -> {
                error = e;
                ready.countDown();
              });
      try {
        assertThat(ready.await(30, TimeUnit.SECONDS)).as("source ready").isTrue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      assertThat(error).as("start-up error").isNull();
    }

    /** The next event, waiting up to 30 s. */
    public ChangeEvent next() {
      try {
        ChangeEvent e = events.poll(30, TimeUnit.SECONDS);
        assertThat(e).as("an event within 30s").isNotNull();
        return e;
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(ex);
      }
    }

    @Override
    public void close() {
      subscription.dispose();
    }
  }
}
