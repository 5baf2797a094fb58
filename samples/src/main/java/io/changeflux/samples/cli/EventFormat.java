package io.changeflux.samples.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.changeflux.ChangeEvent;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** How the CLI prints one event: readable text, or one JSON object per line. */
final class EventFormat {

  private static final JsonFactory JSON = new JsonFactory();

  private EventFormat() {}

  /** One JSON object: time, source, kind, key, and where present sha, payload, count, batch, headers. */
  static String json(ChangeEvent e, Long batch) {
    StringWriter w = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("time", e.time().toString());
      g.writeStringField("source", e.source());
      g.writeStringField("kind", e.kind().name());
      g.writeStringField("key", e.key());
      if (e.sha().isPresent()) {
        g.writeStringField("sha", e.sha().get());
      }
      if (e.payloadSize() > 0) {
        byte[] p = e.payload();
        String text = utf8(p);
        if (text != null) {
          g.writeStringField("payload", text);
        } else {
          g.writeStringField("payloadBase64", Base64.getEncoder().encodeToString(p));
        }
      }
      g.writeNumberField("count", e.count());
      if (batch != null) {
        g.writeNumberField("batch", batch);
      }
      if (!e.headers().isEmpty()) {
        g.writeObjectFieldStart("headers");
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
          g.writeStringField(h.getKey(), h.getValue());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return w.toString();
  }

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
      String t = utf8(e.payload());
      if (t == null) {
        sb.append("  payload=").append(e.payloadSize()).append(" bytes");
      } else {
        t = t.replace("\n", "\\n");
        sb.append("  payload=").append(t.length() > 80 ? t.substring(0, 80) + "…" : t);
      }
    }
    return sb.toString();
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
