package io.changeflux.samples.json;

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
import org.jspecify.annotations.Nullable;

/**
 * One event as one JSON object on one line, the contract of {@code changeflux watch --json} (and
 * of its events file) and of the Spring sample's {@code /events} stream: {@code time}, {@code
 * source}, {@code kind}, {@code key}, and where present {@code sha}, {@code payload} (UTF-8 text)
 * or {@code payloadBase64} (any other bytes), {@code count}, {@code batch}, {@code headers}.
 */
public final class EventJson {

  private static final JsonFactory JSON = new JsonFactory();

  private EventJson() {}

  /** The event as JSON, without a batch number. */
  public static String json(ChangeEvent e) {
    return json(e, null);
  }

  /** The event as JSON; {@code batch} (the CLI's batch number) when not null. */
  public static String json(ChangeEvent e, @Nullable Long batch) {
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

  /** {@code bytes} as text when they are valid UTF-8, else null. */
  public static @Nullable String utf8(byte[] bytes) {
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
