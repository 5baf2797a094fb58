package io.changeflux.nats;

import io.changeflux.ChangeSources;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.util.Set;
import java.util.TreeSet;

class ThreadProbe {
  static Set<String> names() {
    Set<String> s = new TreeSet<>();
    Thread.getAllStackTraces().keySet().forEach(t -> s.add(t.getName() + (t.isDaemon() ? "(d)" : "")));
    return s;
  }

  public static void main(String[] a) throws Exception {
    try (NatsServerProcess server = NatsServerProcess.start()) {
      Connection pub = Nats.connect(server.url());
      for (int round = 0; round < 3; round++) {
        var ready = new java.util.concurrent.CountDownLatch(1);
        var got = new java.util.concurrent.CountDownLatch(1);
        var d = ChangeSources.open(server.url() + "?subjects=kit.>").events()
            .contextWrite(ChangeSources.onReady(ready::countDown)).subscribe(e -> got.countDown());
        ready.await();
        pub.publish("kit.x", new byte[0]);
        got.await();
        d.dispose();
        Thread.sleep(2000);
        System.out.println("round " + round + ": " + Thread.activeCount() + " " + names());
      }
      pub.close();
    }
  }
}
