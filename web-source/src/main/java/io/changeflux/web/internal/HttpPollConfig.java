package io.changeflux.web.internal;

import com.fasterxml.jackson.core.JsonPointer;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A validated polling configuration.
 *
 * @param source the redacted URI
 * @param url the URL fetched (user-info removed)
 * @param key the events' key: the URL without user-info
 * @param interval time between polls (the least; the server may ask for more)
 * @param select a JSON pointer to the watched field, or null for the whole body
 * @param id what the event's sha is: content (SHA-256), etag, or value (the selected field)
 * @param authorization the Authorization header value, or null (secret)
 * @param accept the Accept header value, or null
 * @param timeout the longest a poll may take
 * @param maxBackoff the longest wait between polls after errors
 * @param maxBody the largest body read, in bytes
 */
public record HttpPollConfig(
    String source,
    String url,
    String key,
    Duration interval,
    @Nullable JsonPointer select,
    String id,
    @Nullable String authorization,
    @Nullable String accept,
    Duration timeout,
    Duration maxBackoff,
    int maxBody) {

  @Override
  public String toString() {
    return "HttpPollConfig{" + source + "}"; // never the authorization
  }
}
