package io.changeflux.nats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real {@code nats-server} on a free loopback port with its own JetStream store, for tests: it
 * can be SIGKILLed and restarted on the same port with the same store, and three of them can form
 * a cluster. {@link #close()} kills the process and deletes its directory.
 */
public final class NatsServerProcess implements AutoCloseable {

  /** The binary; override with -Dnats.server=PATH. */
  public static final String BINARY = System.getProperty("nats.server", "/usr/sbin/nats-server");

  private final Path dir;
  private final int port;
  private final String extraConfig;
  private final boolean jetStream;
  private final Path log;
  private Process process;

  private NatsServerProcess(Path dir, int port, boolean jetStream, String extraConfig) {
    this.dir = dir;
    this.port = port;
    this.jetStream = jetStream;
    this.extraConfig = extraConfig;
    this.log = dir.resolve("server.log");
  }

  /** Starts a server with JetStream on a free port. */
  public static NatsServerProcess start() {
    return start(true, "");
  }

  /**
   * Starts a server on a free port; {@code extraConfig} is appended to its configuration file
   * (authorization, tls, cluster blocks). {@code $DIR} in it stands for the server's directory.
   */
  public static NatsServerProcess start(boolean jetStream, String extraConfig) {
    try {
      Path dir = Files.createTempDirectory("nats-test-");
      NatsServerProcess s = new NatsServerProcess(dir, freePort(), jetStream, extraConfig.replace("$DIR", dir.toString()));
      s.startProcess();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts {@code n} servers that form one cluster on loopback (routes on free ports), without
   * JetStream. Each is ready when this returns; the routes connect shortly after.
   */
  public static List<NatsServerProcess> cluster(int n) {
    List<Integer> routes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      routes.add(freePort());
    }
    String routeList =
        routes.stream().map(p -> "nats-route://127.0.0.1:" + p).collect(Collectors.joining(", "));
    List<NatsServerProcess> servers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      servers.add(
          start(
              false,
              "server_name: n" + i + "\n"
                  + "cluster {\n  name: cf\n  listen: 127.0.0.1:" + routes.get(i) + "\n  routes: [" + routeList
                  + "]\n}\n"));
    }
    return servers;
  }

  /** A free TCP port on loopback (bound and released). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The port clients connect to. */
  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:PORT}. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  /** {@code nats://127.0.0.1:PORT}. */
  public String url() {
    return "nats://" + hostPort();
  }

  /** The server's directory (config, store, log). */
  public Path dir() {
    return dir;
  }

  /** Whether the process runs. */
  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: no goodbye to clients, no flush of the store. */
  public void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  /** Starts the server again on the same port with the same store. */
  public void restart() {
    kill();
    startProcess();
  }

  private void startProcess() {
    try {
      StringBuilder conf = new StringBuilder();
      conf.append("host: 127.0.0.1\nport: ").append(port).append('\n');
      if (jetStream) {
        conf.append("jetstream {\n  store_dir: \"").append(dir.resolve("store")).append("\"\n}\n");
      }
      conf.append(extraConfig).append('\n');
      Path file = dir.resolve("server.conf");
      Files.writeString(file, conf.toString());
      long offset = Files.exists(log) ? Files.size(log) : 0;
      ProcessBuilder pb = new ProcessBuilder(BINARY, "-c", file.toString());
      pb.redirectErrorStream(true);
      pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      process = pb.start();
      Process p = process;
      Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        String out = tail(offset);
        if (out.contains("Server is ready")) {
          return;
        }
        if (!p.isAlive()) {
          throw new IllegalStateException("nats-server exited: " + out);
        }
        Thread.sleep(20);
      }
      throw new IllegalStateException("nats-server not ready within 30s: " + tail(offset));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String tail(long offset) throws IOException {
    byte[] all = Files.readAllBytes(log);
    return new String(all, (int) Math.min(offset, all.length), all.length - (int) Math.min(offset, all.length), StandardCharsets.UTF_8);
  }

  /**
   * Waits until {@code needle} (a payload or header value) is in a file of the JetStream store.
   * nats-server writes its store asynchronously, after it acknowledged a publish; waiting for the
   * bytes to reach the file (the OS keeps them across a process kill) before a SIGKILL makes the
   * kill test the client, not the server's write-behind.
   */
  public void awaitStored(String needle, Duration timeout) {
    byte[] n = needle.getBytes(StandardCharsets.UTF_8);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try (Stream<Path> files = Files.walk(dir.resolve("store"))) {
        if (files.filter(Files::isRegularFile).anyMatch(f -> contains(f, n))) {
          return;
        }
        Thread.sleep(20);
      } catch (IOException e) {
        // files come and go while the server writes
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("'" + needle + "' not in the JetStream store within " + timeout);
  }

  private static boolean contains(Path file, byte[] needle) {
    try {
      byte[] b = Files.readAllBytes(file);
      outer:
      for (int i = 0; i + needle.length <= b.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (b[i + j] != needle[j]) {
            continue outer;
          }
        }
        return true;
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  /** The server's log so far. */
  public String log() {
    try {
      return tail(0);
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Override
  public void close() {
    kill();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
