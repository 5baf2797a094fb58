package io.changeflux.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code changeflux.*}: the sources to open, by name.
 *
 * <pre>
 * changeflux:
 *   sources:
 *     orders:
 *       uri: redis://app:${REDIS_PASSWORD}@redis:6379?channels=orders
 *       debounce: 200ms
 *     inbox:
 *       uri: fs:/srv/inbox
 *       include: "**&#47;*.json"
 * </pre>
 *
 * <p>Each source takes {@code uri} and the same option keys as the URI's query and a properties
 * file ({@code debounce}, {@code maxWait}, {@code channels}, ...); an option given both in the URI
 * and as a key is an error, as is an unknown key (the message names {@code
 * changeflux.sources.NAME.KEY}).
 */
@ConfigurationProperties(prefix = "changeflux")
public class ChangefluxProperties {

  /**
   * The sources, by name: each a map of {@code uri} and option keys. Each becomes a {@code
   * ChangeSource} bean qualified by its name. Default: none.
   */
  private Map<String, Map<String, String>> sources = new LinkedHashMap<>();

  /** Whether sources are metered (when Micrometer's MeterRegistry is present). Default: true. */
  private boolean metrics = true;

  /**
   * The sources, by name.
   *
   * @return the mutable map Spring binds {@code changeflux.sources.*} into; empty by default
   */
  public Map<String, Map<String, String>> getSources() {
    return sources;
  }

  /**
   * Sets the sources.
   *
   * @param sources the sources, by name; each a map of {@code uri} and option keys
   */
  public void setSources(Map<String, Map<String, String>> sources) {
    this.sources = sources;
  }

  /**
   * Whether sources are metered.
   *
   * @return {@code true} (the default) when sources are metered
   */
  public boolean isMetrics() {
    return metrics;
  }

  /**
   * Sets whether sources are metered.
   *
   * @param metrics {@code false} to make no meters even with a registry present
   */
  public void setMetrics(boolean metrics) {
    this.metrics = metrics;
  }
}
