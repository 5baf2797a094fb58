package io.changeflux.spring;

/**
 * A source in {@code changeflux.sources} is misconfigured: the message names the property key
 * ({@code changeflux.sources.NAME.KEY}) and what is wrong, and never holds a secret.
 */
public class ChangefluxConfigurationException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The full property key at fault. */
  private final String property;

  /**
   * An error about one property.
   *
   * @param message what is wrong, naming the property key; without secrets
   * @param property the full property key at fault, such as {@code changeflux.sources.orders.uri}
   */
  public ChangefluxConfigurationException(String message, String property) {
    super(message);
    this.property = property;
  }

  /**
   * The property key at fault, such as {@code changeflux.sources.orders.debounce}.
   *
   * @return the property key; never null
   */
  public String property() {
    return property;
  }
}
