package io.changeflux.redis;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code redis-server} on a free loopback port, in its own temporary directory, for tests:
 * start, SIGKILL, restart on the same port, stop. Extra configuration lines go into its redis.conf.
 */
public final class RedisServerProcess implements AutoCloseable {

  private final Path dir;
  private final int port;
  private final int tlsPort;
  private final List<String> config;
  private Process process;
  private int starts;

  private RedisServerProcess(Path dir, int port, int tlsPort, List<String> config) {
    this.dir = dir;
    this.port = port;
    this.tlsPort = tlsPort;
    this.config = config;
  }

  /** Starts a server without persistence and with the given extra redis.conf lines. */
  public static RedisServerProcess start(String... extraConfig) throws IOException {
    return start(false, List.of(extraConfig));
  }

  /**
   * Starts a server; with {@code tls} it also listens on {@link #tlsPort()} (the config must name
   * tls-cert-file, tls-key-file and tls-ca-cert-file).
   */
  public static RedisServerProcess start(boolean tls, List<String> extraConfig) throws IOException {
    Path dir = Files.createTempDirectory("changeflux-redis-");
    int port = freePort();
    int tlsPort = tls ? freePort() : 0;
    List<String> conf = new ArrayList<>();
    conf.add("bind 127.0.0.1");
    conf.add("port " + port);
    if (tls) {
      conf.add("tls-port " + tlsPort);
    }
    conf.add("dir " + dir);
    conf.add("save \"\"");
    conf.add("appendonly no");
    conf.add("daemonize no");
    conf.add("logfile " + dir.resolve("redis.log"));
    conf.addAll(extraConfig);
    RedisServerProcess p = new RedisServerProcess(dir, port, tlsPort, conf);
    p.launch();
    return p;
  }

  /** A free port on the loopback interface (never 6379). */
  public static int freePort() throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        s.setReuseAddress(true);
        int p = s.getLocalPort();
        if (p != 6379) {
          return p;
        }
      }
    }
  }

  private void launch() throws IOException {
    Files.write(dir.resolve("redis.conf"), config, StandardCharsets.UTF_8);
    Path log = dir.resolve("redis.log");
    long before = Files.exists(log) ? countReady(log) : 0;
    process =
        new ProcessBuilder("redis-server", dir.resolve("redis.conf").toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .start();
    starts++;
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    "redis-server exited: " + Files.readString(dir.resolve("stdout.log")) + (Files.exists(log) ? Files.readString(log) : ""));
              }
              return Files.exists(log) && countReady(log) > before;
            });
  }

  private static long countReady(Path log) throws IOException {
    return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
        .filter(l -> l.contains("Ready to accept connections"))
        .count();
  }

  /** The plain port. */
  public int port() {
    return port;
  }

  /** The TLS port, or 0. */
  public int tlsPort() {
    return tlsPort;
  }

  /** The server's directory. */
  public Path dir() {
    return dir;
  }

  /** {@code redis://127.0.0.1:PORT} plus the given suffix (such as {@code ?channels=a}). */
  public String uri(String suffix) {
    return "redis://127.0.0.1:" + port + suffix;
  }

  /** Kills the server with SIGKILL (no shutdown, no save) and waits until it is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** Starts the server again on the same port and directory. */
  public void restart() throws IOException {
    if (process.isAlive()) {
      throw new IllegalStateException("still running");
    }
    launch();
  }

  /** How often the server was started. */
  public int starts() {
    return starts;
  }

  @Override
  public void close() throws IOException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
