package io.changeflux.samples.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven through the DevTools protocol over the JDK's WebSocket client: start on
 * a page, evaluate JavaScript in it, take a screenshot.
 */
final class DevTools implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on ws://127\\.0\\.0\\.1:(\\d+)/");

  private final Process chromium;
  private final WebSocket socket;
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final StringBuilder frame = new StringBuilder();
  final StringBuilder stderr = new StringBuilder();

  private DevTools(Process chromium, WebSocket.Builder builder, URI page) throws Exception {
    this.chromium = chromium;
    this.socket = builder.buildAsync(page, new Listener()).get(30, TimeUnit.SECONDS);
  }

  static DevTools open(String url, Path profile) throws Exception {
    Process p =
        new ProcessBuilder(
                List.of(
                    "/usr/bin/chromium",
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--no-proxy-server",
                    "--remote-debugging-port=0",
                    "--remote-allow-origins=*",
                    "--user-data-dir=" + profile,
                    "--window-size=800,400",
                    url))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    int port = -1;
    for (String line; port < 0 && (line = err.readLine()) != null; ) {
      seen.append(line).append('\n');
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
      }
    }
    if (port < 0) {
      p.destroyForcibly();
      throw new IllegalStateException("chromium did not open DevTools: " + seen);
    }
    Thread drain =
        new Thread(
            () -> {
              try {
                while (err.readLine() != null) {
                  // keep chromium's stderr from filling its pipe
                }
              } catch (java.io.IOException e) {
                // chromium ended
              }
            },
            "chromium-stderr");
    drain.setDaemon(true);
    drain.start();
    HttpClient http = HttpClient.newHttpClient();
    String ws = null;
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (ws == null && System.nanoTime() < until) {
      String list =
          http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(), HttpResponse.BodyHandlers.ofString())
              .body();
      for (JsonNode t : JSON.readTree(list)) {
        if (t.path("type").asText().equals("page")) {
          ws = t.path("webSocketDebuggerUrl").asText();
        }
      }
    }
    if (ws == null) {
      p.destroyForcibly();
      throw new IllegalStateException("chromium has no page target");
    }
    return new DevTools(p, http.newWebSocketBuilder(), URI.create(ws));
  }

  /** Sends one DevTools command and waits for its result. */
  JsonNode call(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
    msg.set("params", JSON.valueToTree(params));
    socket.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
    JsonNode r = f.get(30, TimeUnit.SECONDS);
    if (r.has("error")) {
      throw new IllegalStateException(method + ": " + r.get("error"));
    }
    return r.path("result");
  }

  /** The value of a JavaScript expression in the page. */
  String eval(String expression) throws Exception {
    return call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true))
        .path("result")
        .path("value")
        .asText();
  }

  /** A PNG of the page. */
  byte[] screenshot() throws Exception {
    String data = call("Page.captureScreenshot", Map.of("format", "png")).path("data").asText();
    return java.util.Base64.getDecoder().decode(data);
  }

  @Override
  public void close() throws Exception {
    try {
      socket.abort();
    } finally {
      chromium.destroy();
      if (!chromium.waitFor(10, TimeUnit.SECONDS)) {
        chromium.destroyForcibly();
      }
    }
  }

  private final class Listener implements WebSocket.Listener {
    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      frame.append(data);
      if (last) {
        try {
          JsonNode n = JSON.readTree(frame.toString());
          if (n.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(n.get("id").asInt());
            if (f != null) {
              f.complete(n);
            }
          }
        } catch (java.io.IOException e) {
          // not JSON: ignore
        }
        frame.setLength(0);
      }
      ws.request(1);
      return null;
    }
  }

  static Duration patience() {
    return Duration.ofSeconds(60);
  }
}
