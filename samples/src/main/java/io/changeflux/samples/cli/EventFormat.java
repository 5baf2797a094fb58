package io.changeflux.samples.cli;

import io.changeflux.ChangeEvent;
import io.changeflux.samples.json.EventJson;

/** How the CLI prints one event as readable text (as JSON: {@link EventJson}). */
final class EventFormat {

  private EventFormat() {}

  /** One readable line: time, kind, key, then sha, count, batch and a short payload where present. */
  static String text(ChangeEvent e, Long batch) {
    StringBuilder sb = new StringBuilder(96);
    sb.append(e.time()).append(' ').append(String.format("%-8s", e.kind())).append(' ');
    sb.append(e.key().isEmpty() ? "(all)" : e.key().replace("\n", "\\n"));
    e.sha().ifPresent(s -> sb.append("  sha=").append(s, 0, Math.min(12, s.length())));
    if (e.count() > 1) {
      sb.append("  count=").append(e.count());
    }
    if (batch != null) {
      sb.append("  batch=").append(batch);
    }
    if (e.payloadSize() > 0) {
      String t = EventJson.utf8(e.payload());
      if (t == null) {
        sb.append("  payload=").append(e.payloadSize()).append(" bytes");
      } else {
        t = t.replace("\n", "\\n");
        sb.append("  payload=").append(t.length() > 80 ? t.substring(0, 80) + "…" : t);
      }
    }
    return sb.toString();
  }
}
