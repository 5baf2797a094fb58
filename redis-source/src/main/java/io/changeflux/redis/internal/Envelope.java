package io.changeflux.redis.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The wire format of events published by the sink, so that a source restores kind, key, sha,
 * headers and payload.
 *
 * <p>Pub/sub: one JSON object that starts with {@code {"changeflux":1}}: {@code
 * {"changeflux":1,"kind":"MODIFIED","key":"a/b","sha":"…","headers":{"x":"y"},"payload":"BASE64"}}
 * ({@code sha}, {@code headers} and {@code payload} only when present). Streams: the fields {@code
 * changeflux=1}, {@code kind}, {@code key}, {@code sha}, {@code payload} (raw bytes), one
 * {@code h.NAME} field per header and {@code idem}, the event's {@link
 * io.changeflux.IdempotencyKey} (the sink stores an event once per key within its duplicate
 * window).
 */
public final class Envelope {

  /** The field / JSON property that marks an envelope. */
  public static final String MARKER = "changeflux";

  /** The stream field of the event's {@link io.changeflux.IdempotencyKey}. */
  public static final String IDEM = "idem";

  /** Prefix of header fields in a stream entry. */
  public static final String HEADER_PREFIX = "h.";

  private static final byte[] JSON_PREFIX = ("{\"" + MARKER + "\"").getBytes(StandardCharsets.US_ASCII);
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

  private Envelope() {}

  /** A payload that is not a valid envelope although it says it is one. */
  public static final class MalformedEnvelope extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedEnvelope(String message) {
      super(message);
    }
  }

  /** The JSON envelope of an event. */
  public static byte[] toJson(ChangeEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(96 + e.key().length() + e.payloadSize() * 4 / 3);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField(MARKER, 1);
      g.writeStringField("kind", e.kind().name());
      g.writeStringField("key", e.key());
      if (e.sha().isPresent()) {
        g.writeStringField("sha", e.sha().get());
      }
      if (!e.headers().isEmpty()) {
        g.writeObjectFieldStart("headers");
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
          g.writeStringField(h.getKey(), h.getValue());
        }
        g.writeEndObject();
      }
      if (e.payloadSize() > 0) {
        g.writeStringField("payload", Base64.getEncoder().encodeToString(e.payload()));
      }
      g.writeEndObject();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return out.toByteArray();
  }

  /** Whether a pub/sub message claims to be an envelope (starts with <code>{"changeflux"</code>). */
  public static boolean isJsonEnvelope(byte[] message) {
    int i = 0;
    while (i < message.length && (message[i] == ' ' || message[i] == '\n' || message[i] == '\r' || message[i] == '\t')) {
      i++;
    }
    if (message.length - i < JSON_PREFIX.length) {
      return false;
    }
    for (int j = 0; j < JSON_PREFIX.length; j++) {
      if (message[i + j] != JSON_PREFIX[j]) {
        return false;
      }
    }
    return true;
  }

  /** Restores an event from a JSON envelope (source, time and id headers are the caller's). */
  public static ChangeEvent.Builder fromJson(byte[] message) throws MalformedEnvelope {
    JsonNode n;
    try {
      n = MAPPER.readTree(message);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new MalformedEnvelope("not valid JSON: " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new MalformedEnvelope("not valid JSON: " + firstLine(e.getMessage()));
    }
    if (n == null || !n.isObject()) {
      throw new MalformedEnvelope("not a JSON object");
    }
    ChangeEvent.Builder b = ChangeEvent.builder(kind(text(n, "kind")), required(n, "key"));
    JsonNode sha = n.get("sha");
    if (sha != null && !sha.isNull()) {
      b.sha(sha.asText());
    }
    JsonNode headers = n.get("headers");
    if (headers != null && !headers.isNull()) {
      if (!headers.isObject()) {
        throw new MalformedEnvelope("'headers' is not an object");
      }
      for (Map.Entry<String, JsonNode> h : headers.properties()) {
        b.header(h.getKey(), h.getValue().isTextual() ? h.getValue().textValue() : h.getValue().toString());
      }
    }
    JsonNode payload = n.get("payload");
    if (payload != null && !payload.isNull()) {
      try {
        b.payload(Base64.getDecoder().decode(payload.asText()));
      } catch (IllegalArgumentException e) {
        throw new MalformedEnvelope("'payload' is not base64");
      }
    }
    return b;
  }

  /** The stream fields of an event, in order. */
  public static Map<String, byte[]> toFields(ChangeEvent e) {
    Map<String, byte[]> f = new LinkedHashMap<>();
    f.put(MARKER, utf8("1"));
    f.put("kind", utf8(e.kind().name()));
    f.put("key", utf8(e.key()));
    e.sha().ifPresent(s -> f.put("sha", utf8(s)));
    for (Map.Entry<String, String> h : e.headers().entrySet()) {
      f.put(HEADER_PREFIX + h.getKey(), utf8(h.getValue()));
    }
    if (e.payloadSize() > 0) {
      f.put("payload", e.payload());
    }
    f.put(IDEM, utf8(io.changeflux.IdempotencyKey.of(e)));
    return f;
  }

  /** Whether stream fields claim to be an envelope (a {@code changeflux} field). */
  public static boolean isFieldEnvelope(Map<String, byte[]> fields) {
    return fields.containsKey(MARKER);
  }

  /** Restores an event from stream fields. */
  public static ChangeEvent.Builder fromFields(Map<String, byte[]> fields) throws MalformedEnvelope {
    byte[] kind = fields.get("kind");
    byte[] key = fields.get("key");
    if (kind == null) {
      throw new MalformedEnvelope("missing field 'kind'");
    }
    if (key == null) {
      throw new MalformedEnvelope("missing field 'key'");
    }
    ChangeEvent.Builder b = ChangeEvent.builder(kind(str(kind)), str(key));
    byte[] sha = fields.get("sha");
    if (sha != null) {
      b.sha(str(sha));
    }
    for (Map.Entry<String, byte[]> f : fields.entrySet()) {
      if (f.getKey().startsWith(HEADER_PREFIX)) {
        b.header(f.getKey().substring(HEADER_PREFIX.length()), str(f.getValue()));
      }
    }
    b.payload(fields.get("payload"));
    return b;
  }

  /** A raw stream entry: key = the stream, payload = field {@code payload}, other fields as headers. */
  public static ChangeEvent.Builder rawFields(String stream, Map<String, byte[]> fields) {
    ChangeEvent.Builder b = ChangeEvent.builder(ChangeKind.MODIFIED, stream);
    for (Map.Entry<String, byte[]> f : fields.entrySet()) {
      if (f.getKey().equals("payload")) {
        b.payload(f.getValue());
      } else {
        b.header(f.getKey(), str(f.getValue()));
      }
    }
    return b;
  }

  private static ChangeKind kind(@Nullable String k) throws MalformedEnvelope {
    if (k == null) {
      throw new MalformedEnvelope("missing 'kind'");
    }
    try {
      return ChangeKind.valueOf(k);
    } catch (IllegalArgumentException e) {
      throw new MalformedEnvelope("bad kind '" + abbreviate(k) + "'; accepted: CREATED, MODIFIED, DELETED, OVERFLOW");
    }
  }

  private static @Nullable String text(JsonNode n, String field) throws MalformedEnvelope {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new MalformedEnvelope("'" + field + "' is not a string");
    }
    return v.textValue();
  }

  private static String required(JsonNode n, String field) throws MalformedEnvelope {
    String v = text(n, field);
    if (v == null) {
      throw new MalformedEnvelope("missing '" + field + "'");
    }
    return v;
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }

  private static String firstLine(@Nullable String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return abbreviate(nl < 0 ? s : s.substring(0, nl));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String str(byte[] b) {
    return b == null ? "" : new String(b, StandardCharsets.UTF_8);
  }
}
