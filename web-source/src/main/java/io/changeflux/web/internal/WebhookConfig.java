package io.changeflux.web.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A validated webhook configuration.
 *
 * @param source the redacted URI
 * @param host the address to listen on
 * @param port the port to listen on
 * @param paths the accepted request paths (each starts with {@code /})
 * @param verifier how requests are checked
 * @param github whether events are read as GitHub's
 * @param standard whether events are read as Standard Webhooks
 * @param maxBody the largest body accepted, in bytes
 * @param backlog undelivered events held for a slow consumer before senders get 503
 * @param acceptTimeout how long a request waits for the consumer to take its event
 * @param retryAfter the Retry-After sent with 503
 * @param replayWindow how long delivery ids are remembered
 * @param tlsCert PEM certificate chain for webhooks://, or null
 * @param tlsKey PEM private key (PKCS#8) for webhooks://, or null
 */
public record WebhookConfig(
    String source,
    String host,
    int port,
    List<String> paths,
    Verifier verifier,
    boolean github,
    boolean standard,
    int maxBody,
    int backlog,
    Duration acceptTimeout,
    Duration retryAfter,
    Duration replayWindow,
    @Nullable Path tlsCert,
    @Nullable Path tlsKey) {}
