package io.changeflux;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Small helpers for operator tests. */
final class Events {

  private Events() {}

  static ChangeEvent ev(ChangeKind kind, String key) {
    return ChangeEvent.builder(kind, key).time(Instant.EPOCH).build();
  }

  static ChangeEvent ev(ChangeKind kind, String key, long timeMillis) {
    return ChangeEvent.builder(kind, key).time(Instant.ofEpochMilli(timeMillis)).build();
  }

  static ChangeEvent created(String key) {
    return ev(ChangeKind.CREATED, key);
  }

  static ChangeEvent modified(String key) {
    return ev(ChangeKind.MODIFIED, key);
  }

  static ChangeEvent deleted(String key) {
    return ev(ChangeKind.DELETED, key);
  }

  /** An event whose acknowledgement appends "ack:" + name to {@code log}. */
  static ChangeEvent acked(ChangeKind kind, String key, String name, List<String> log) {
    return ChangeEvent.builder(kind, key).time(Instant.EPOCH).onAck(() -> log.add("ack:" + name)).build();
  }

  static List<String> log() {
    return new CopyOnWriteArrayList<>();
  }

  /** "KIND key" or "KIND key xN" for counts above one. */
  static String show(ChangeEvent e) {
    return e.kind() + " " + e.key() + (e.count() > 1 ? " x" + e.count() : "");
  }

  static List<String> show(List<ChangeEvent> batch) {
    return batch.stream().map(Events::show).collect(java.util.stream.Collectors.toList());
  }
}
