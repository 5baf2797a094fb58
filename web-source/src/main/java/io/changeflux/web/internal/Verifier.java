package io.changeflux.web.internal;

import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Checks that a webhook request comes from the holder of the secret. */
public interface Verifier {

  /**
   * Why the request is refused, or null when it passes.
   *
   * @param header the request's header value by (case-insensitive) name, or null
   * @param body the raw body, exactly as received
   * @param nowSeconds the current Unix time in seconds
   */
  @Nullable String check(Function<String, String> header, byte[] body, long nowSeconds);

  /** The delivery id by which retries of one delivery are recognised, or null. */
  @Nullable String deliveryId(Function<String, String> header);

  /** Accepts everything (verify=none); the delivery id comes from the usual headers if sent. */
  Verifier NONE =
      new Verifier() {
        @Override
        public @Nullable String check(Function<String, String> header, byte[] body, long nowSeconds) {
          return null;
        }

        @Override
        public @Nullable String deliveryId(Function<String, String> header) {
          String gh = header.apply(GithubVerifier.DELIVERY);
          return gh != null ? gh : header.apply(StandardVerifier.ID);
        }
      };
}
