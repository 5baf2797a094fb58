package io.changeflux.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A redis-server or nats-server of the harness's own, on a free loopback port, in a temp dir. */
final class Servers implements AutoCloseable {

  final int port;
  private final Process process;
  private final Path dir;

  private Servers(int port, Process process, Path dir) {
    this.port = port;
    this.process = process;
    this.dir = dir;
  }

  static Servers redis() throws Exception {
    int port = Bench.freePort();
    Path dir = Files.createTempDirectory("bench-redis-");
    Files.write(
        dir.resolve("redis.conf"),
        List.of(
            "bind 127.0.0.1",
            "port " + port,
            "dir " + dir,
            "save \"\"",
            "appendonly no",
            "daemonize no",
            "logfile " + dir.resolve("redis.log"),
            "client-output-buffer-limit pubsub 0 0 0"));
    Process p = new ProcessBuilder("redis-server", dir.resolve("redis.conf").toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("out.log").toFile()).start();
    return started(port, p, dir);
  }

  static Servers nats() throws Exception {
    int port = Bench.freePort();
    Path dir = Files.createTempDirectory("bench-nats-");
    Files.write(dir.resolve("nats.conf"), List.of("listen: 127.0.0.1:" + port, "max_pending: 512MB", "max_payload: 1MB"));
    Process p = new ProcessBuilder("nats-server", "-c", dir.resolve("nats.conf").toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("out.log").toFile()).start();
    return started(port, p, dir);
  }

  private static Servers started(int port, Process p, Path dir) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("server exited: " + Files.readString(dir.resolve("out.log")));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return new Servers(port, p, dir);
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("server did not listen on " + port);
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    Bench.deleteTree(dir);
  }
}
