package io.changeflux.nats.internal;

import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import io.changeflux.SourceOptions;
import io.changeflux.nats.NatsEnvelope;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Event ⇄ NATS message, following {@link NatsEnvelope}. Stateless, thread-safe. */
public final class Codec {

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final Set<String> ENVELOPE =
      Set.of(NatsEnvelope.KIND, NatsEnvelope.KEY, NatsEnvelope.SHA, NatsEnvelope.COUNT);
  /** Header the server uses for publish dedup. */
  public static final String MSG_ID = "Nats-Msg-Id";

  private Codec() {}

  /** Why a message could not be read as an envelope, or null when it could (or is raw). */
  static @Nullable String problem(Headers h) {
    String kind = first(h, NatsEnvelope.KIND);
    if (kind == null) {
      return "empty " + NatsEnvelope.KIND;
    }
    try {
      ChangeKind.valueOf(kind.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return "bad " + NatsEnvelope.KIND + " '" + shorten(kind) + "'";
    }
    if (first(h, NatsEnvelope.KEY) == null) {
      return "no " + NatsEnvelope.KEY + " header";
    }
    String count = first(h, NatsEnvelope.COUNT);
    if (count != null) {
      try {
        if (Integer.parseInt(count.trim()) < 1) {
          return "bad " + NatsEnvelope.COUNT + " '" + shorten(count) + "'";
        }
      } catch (NumberFormatException e) {
        return "bad " + NatsEnvelope.COUNT + " '" + shorten(count) + "'";
      }
    }
    return null;
  }

  /**
   * The event a message carries: an envelope restores kind, key, SHA, count and headers; anything
   * else is a MODIFIED event keyed by the subject. Never throws for message content.
   *
   * @param malformed called with the reason when an envelope could not be read
   */
  public static ChangeEvent.Builder decode(Message m, String source, java.util.function.Consumer<String> malformed) {
    Headers h = m.getHeaders();
    byte[] data = m.getData();
    if (h != null && !h.isEmpty() && h.containsKey(NatsEnvelope.KIND)) {
      String problem = problem(h);
      if (problem == null) {
        // problem(h) == null: both headers are there
        String kindHeader = java.util.Objects.requireNonNull(first(h, NatsEnvelope.KIND));
        String keyHeader = java.util.Objects.requireNonNull(first(h, NatsEnvelope.KEY));
        ChangeKind kind = ChangeKind.valueOf(kindHeader.trim().toUpperCase(Locale.ROOT));
        ChangeEvent.Builder b =
            ChangeEvent.builder(kind, SourceOptions.decode(keyHeader)).source(source).payload(data);
        String sha = first(h, NatsEnvelope.SHA);
        if (sha != null && !sha.isBlank()) {
          b.sha(SourceOptions.decode(sha.trim())); // encoded like every value (a resolver's id may hold '%')
        }
        String count = first(h, NatsEnvelope.COUNT);
        if (count != null) {
          b.count(Integer.parseInt(count.trim()));
        }
        for (String name : h.keySet()) {
          if (!ENVELOPE.contains(name)) {
            String v = joined(h, name);
            b.header(name, name.startsWith("Nats-") ? v : SourceOptions.decode(v));
          }
        }
        return b;
      }
      malformed.accept(problem);
      return raw(m, h, data, source).header(NatsEnvelope.MALFORMED, problem);
    }
    return raw(m, h, data, source);
  }

  private static ChangeEvent.Builder raw(Message m, @Nullable Headers h, byte[] data, String source) {
    ChangeEvent.Builder b = ChangeEvent.builder(ChangeKind.MODIFIED, m.getSubject()).source(source).payload(data);
    if (h != null && !h.isEmpty()) {
      for (String name : h.keySet()) {
        b.header(name, joined(h, name));
      }
    }
    return b;
  }

  /** The message a sink publishes for {@code e} on {@code subject}. */
  public static NatsMessage encode(ChangeEvent e, String subject) {
    Headers h = new Headers();
    h.put(NatsEnvelope.KIND, e.kind().name());
    h.put(NatsEnvelope.KEY, encodeValue(e.key()));
    e.sha().ifPresent(s -> h.put(NatsEnvelope.SHA, encodeValue(s)));
    if (e.count() > 1) {
      h.put(NatsEnvelope.COUNT, Integer.toString(e.count()));
    }
    for (Map.Entry<String, String> x : e.headers().entrySet()) {
      String name = x.getKey();
      if (validName(name) && !ENVELOPE.contains(name) && !name.equals(MSG_ID)) {
        h.put(name, encodeValue(x.getValue()));
      }
    }
    h.put(MSG_ID, messageId(e));
    return NatsMessage.builder().subject(subject).headers(h).data(e.payload()).build();
  }

  /**
   * The event's {@link io.changeflux.IdempotencyKey}: publishing the same event twice within a
   * stream's duplicate window stores it once.
   */
  public static String messageId(ChangeEvent e) {
    return io.changeflux.IdempotencyKey.of(e);
  }

  /** Percent-encodes what a NATS header value cannot carry (and {@code %} itself). */
  static String encodeValue(String s) {
    boolean plain = true;
    for (int i = 0; i < s.length() && plain; i++) {
      char c = s.charAt(i);
      plain = c >= 0x20 && c < 0x7f && c != '%';
    }
    if (plain) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '%') {
        sb.append((char) c);
      } else {
        sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return sb.toString();
  }

  static boolean validName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 33 || c > 126 || c == ':') {
        return false;
      }
    }
    return true;
  }

  private static @Nullable String first(Headers h, String name) {
    List<String> v = h.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static String joined(Headers h, String name) {
    List<String> v = h.get(name);
    return v == null ? "" : v.size() == 1 ? v.get(0) : String.join(",", v);
  }

  private static String shorten(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }
}
