package io.changeflux.fs.state;

import io.changeflux.ChangeSources;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * A child JVM for the kill tests: watches the URI given as its argument, prints {@code READY}
 * once the watch is up, then {@code EV KIND KEY} for each event (acknowledged, with {@code
 * ack=auto}, once the line is printed) and {@code ERR ...} on an error; runs until killed.
 */
public final class StateChild {

  private StateChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    CountDownLatch end = new CountDownLatch(1);
    ChangeSources.open(args[0])
        .events()
        .contextWrite(ChangeSources.onReady(() -> out.println("READY")))
        .subscribe(
            e -> out.println("EV " + e.kind() + " " + e.key() + (e.headers().containsKey("reason") ? " " + e.headers().get("reason") : "")),
            t -> {
              out.println("ERR " + t);
              end.countDown();
            });
    end.await();
    System.exit(1);
  }
}
