package io.changeflux.web.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Turns one accepted webhook request into a {@link ChangeEvent}.
 *
 * <ul>
 *   <li>GitHub {@code push}: MODIFIED, key = {@code ref} ({@code refs/heads/main}), sha = {@code
 *       after}; a branch or tag deletion ({@code "deleted": true}) is DELETED without a sha.
 *   <li>other GitHub events: MODIFIED, key = the event name ({@code pull_request}).
 *   <li>Standard Webhooks: MODIFIED, key = the payload's {@code type} ({@code invoice.paid}).
 *   <li>otherwise, or when the JSON does not parse: MODIFIED, key = the request path.
 * </ul>
 *
 * The payload is always the raw body; the event's headers carry {@code path}, {@code id} (the
 * delivery id, when the sender gave one) and the scheme's own headers.
 */
public final class WebhookEvents {

  private static final ObjectMapper JSON = new ObjectMapper();

  private WebhookEvents() {}

  /** The result of mapping: the event, and whether the body was meant to be JSON and was not. */
  public static final class Mapped {
    /** The event. */
    public final ChangeEvent event;
    /** Whether the body should have been JSON and did not parse (passed on raw). */
    public final boolean malformed;

    Mapped(ChangeEvent event, boolean malformed) {
      this.event = event;
      this.malformed = malformed;
    }
  }

  /** Maps a request; {@code githubEvent} is the {@code X-GitHub-Event} header or null. */
  public static Mapped map(
      String source, String path, @Nullable String githubEvent, @Nullable String deliveryId, boolean standard, byte[] body) {
    ChangeEvent.Builder b = ChangeEvent.builder(ChangeKind.MODIFIED, path).source(source).payload(body);
    b.header("path", path);
    if (deliveryId != null) {
      b.header("id", deliveryId);
    }
    boolean malformed = false;
    if (githubEvent != null) {
      b.header("X-GitHub-Event", githubEvent);
      if (deliveryId != null) {
        b.header("X-GitHub-Delivery", deliveryId);
      }
      b.key(githubEvent);
      if (githubEvent.equals("push")) {
        JsonNode n = parse(body);
        if (n == null || !n.path("ref").isTextual()) {
          malformed = true;
        } else {
          b.key(n.get("ref").asText());
          if (n.path("deleted").asBoolean(false)) {
            b.kind(ChangeKind.DELETED);
          } else if (n.path("after").isTextual()) {
            b.sha(n.get("after").asText());
          }
        }
      }
    } else if (standard) {
      if (deliveryId != null) {
        b.header("webhook-id", deliveryId);
      }
      JsonNode n = parse(body);
      if (n == null) {
        malformed = true;
      } else if (n.path("type").isTextual() && !n.get("type").asText().isEmpty()) {
        b.key(n.get("type").asText());
      }
    }
    return new Mapped(b.build(), malformed);
  }

  private static @Nullable JsonNode parse(byte[] body) {
    try {
      JsonNode n = JSON.readTree(body);
      return n != null && n.isObject() ? n : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
