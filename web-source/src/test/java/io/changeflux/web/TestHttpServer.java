package io.changeflux.web;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A local HTTP server (the JDK's) on a free loopback port that answers every request with what a
 * script says and records each request: its time and headers.
 */
public final class TestHttpServer implements AutoCloseable {

  /** One answer. */
  public record Answer(int status, Map<String, String> headers, String body) {
    /** 200 with a body. */
    public static Answer ok(String body, String... headers) {
      return new Answer(200, pairs(headers), body);
    }

    /** A status with headers and no body. */
    public static Answer status(int status, String... headers) {
      return new Answer(status, pairs(headers), "");
    }

    private static Map<String, String> pairs(String... kv) {
      java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
      for (int i = 0; i < kv.length; i += 2) {
        m.put(kv[i], kv[i + 1]);
      }
      return m;
    }
  }

  /** One request as received. */
  public record Request(long nanos, String method, String path, Headers headers) {}

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Function<Request, Answer> script;

  /** Starts a server answering with {@code script}. */
  public TestHttpServer(Function<Request, Answer> script) {
    this.script = script;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/", this::handle);
    server.start();
  }

  private void handle(HttpExchange ex) throws IOException {
    Request r = new Request(System.nanoTime(), ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestHeaders());
    requests.add(r);
    ex.getRequestBody().readAllBytes();
    Answer a = script.apply(r);
    a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
    boolean noBody = a.status() == 304 || a.status() == 204 || body.length == 0;
    ex.sendResponseHeaders(a.status(), noBody ? -1 : body.length);
    if (!noBody) {
      ex.getResponseBody().write(body);
    }
    ex.close();
  }

  /** Answers from now on with another script. */
  public void script(Function<Request, Answer> script) {
    this.script = script;
  }

  /** The base URL, such as {@code http://127.0.0.1:34567}. */
  public String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The requests so far. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
