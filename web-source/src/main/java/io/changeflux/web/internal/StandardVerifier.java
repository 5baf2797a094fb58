package io.changeflux.web.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The Standard Webhooks scheme: {@code webhook-signature} holds space-separated {@code v1,BASE64}
 * signatures, each the HMAC-SHA256 of {@code id.timestamp.body} under the base64-decoded secret
 * ({@code whsec_} prefix optional); the request passes when any one matches (so senders can rotate
 * secrets) and {@code webhook-timestamp} is within the tolerance of now, in either direction.
 */
public final class StandardVerifier implements Verifier {

  /** The message id header. */
  public static final String ID = "webhook-id";

  /** The Unix-seconds timestamp header. */
  public static final String TIMESTAMP = "webhook-timestamp";

  /** The signatures header. */
  public static final String SIGNATURE = "webhook-signature";

  /** The optional prefix of secrets. */
  public static final String PREFIX = "whsec_";

  private final byte[] key;
  private final long toleranceSeconds;

  /**
   * A verifier for a {@code whsec_BASE64} (or bare base64) secret.
   *
   * @throws IllegalArgumentException when the secret is not base64 (the message never shows it)
   */
  public StandardVerifier(String secret, Duration tolerance) {
    String s = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
    try {
      this.key = Base64.getDecoder().decode(s.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the secret is not whsec_ followed by base64");
    }
    if (key.length == 0) {
      throw new IllegalArgumentException("the secret is empty");
    }
    this.toleranceSeconds = tolerance.toSeconds();
  }

  /** The {@code v1,BASE64} signature of a message (what a sender puts in the header). */
  public String sign(String id, long timestamp, byte[] body) {
    byte[] mac = mac(id, Long.toString(timestamp), body);
    return "v1," + Base64.getEncoder().encodeToString(mac);
  }

  @Override
  public @Nullable String check(Function<String, String> header, byte[] body, long nowSeconds) {
    String id = header.apply(ID);
    String ts = header.apply(TIMESTAMP);
    String sigs = header.apply(SIGNATURE);
    if (id == null || ts == null || sigs == null) {
      return "missing " + (id == null ? ID : ts == null ? TIMESTAMP : SIGNATURE) + " header";
    }
    long t;
    try {
      t = Long.parseLong(ts.trim());
    } catch (NumberFormatException e) {
      return TIMESTAMP + " is not a number";
    }
    if (Math.abs(nowSeconds - t) > toleranceSeconds) {
      return TIMESTAMP + " outside the tolerance of " + toleranceSeconds + "s (stale or replayed)";
    }
    byte[] expected = mac(id, ts.trim(), body);
    boolean ok = false;
    for (String part : sigs.trim().split(" +")) {
      if (!part.startsWith("v1,")) {
        continue; // other versions (v1a: asymmetric) are not ours to check
      }
      byte[] given;
      try {
        given = Base64.getDecoder().decode(part.substring(3));
      } catch (IllegalArgumentException e) {
        continue;
      }
      ok |= Hmac.equal(expected, given); // no early exit: every candidate costs the same
    }
    return ok ? null : "signature mismatch";
  }

  @Override
  public @Nullable String deliveryId(Function<String, String> header) {
    return header.apply(ID);
  }

  private byte[] mac(String id, String ts, byte[] body) {
    byte[] prefix = (id + "." + ts + ".").getBytes(StandardCharsets.UTF_8);
    return Hmac.sha256(key, prefix, body);
  }
}
