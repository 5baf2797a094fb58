package io.changeflux.web.internal;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * GitHub's scheme: {@code X-Hub-Signature-256: sha256=HEX}, the HMAC-SHA256 of the raw body under
 * the webhook's secret, compared in constant time.
 */
public final class GithubVerifier implements Verifier {

  /** The signature header. */
  public static final String SIGNATURE = "X-Hub-Signature-256";

  /** The event name header ({@code push}, {@code ping}, ...). */
  public static final String EVENT = "X-GitHub-Event";

  /** The delivery id header (a GUID, the same on redelivery). */
  public static final String DELIVERY = "X-GitHub-Delivery";

  private final byte[] key;

  /**
   * A verifier for the secret as configured in GitHub (its UTF-8 bytes are the key).
   *
   * @throws IllegalArgumentException when the secret is empty (HMAC needs a key)
   */
  public GithubVerifier(String secret) {
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("the secret is empty");
    }
    this.key = secret.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public @Nullable String check(Function<String, String> header, byte[] body, long nowSeconds) {
    String sig = header.apply(SIGNATURE);
    if (sig == null) {
      return "no " + SIGNATURE + " header";
    }
    sig = sig.trim();
    if (!sig.startsWith("sha256=")) {
      return SIGNATURE + " is not sha256=HEX";
    }
    byte[] given = parseHex(sig.substring("sha256=".length()));
    if (given == null) {
      return SIGNATURE + " is not sha256=HEX";
    }
    return Hmac.equal(Hmac.sha256(key, body), given) ? null : "signature mismatch";
  }

  @Override
  public @Nullable String deliveryId(Function<String, String> header) {
    return header.apply(DELIVERY);
  }

  private static byte @Nullable [] parseHex(String s) {
    if (s.length() != 64) {
      return null;
    }
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      int hi = Character.digit(s.charAt(2 * i), 16);
      int lo = Character.digit(s.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        return null;
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }
}
