package io.changeflux.spring;

import io.changeflux.SourceOptions;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With Actuator: a {@link SanitizingFunction} for {@code /actuator/env} and {@code
 * /actuator/configprops}, so that even with {@code show-values=always} no secret of a {@code
 * changeflux.sources.*} key is shown: a URI's password and secret option values become {@code
 * ***}, and a key that is itself secret ({@code password}, {@code token}, ...) is masked whole.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(SanitizingFunction.class)
class ChangefluxSanitizingConfiguration {

  @Bean
  SanitizingFunction changefluxSanitizingFunction() {
    return ChangefluxSanitizingConfiguration::sanitize;
  }

  static SanitizableData sanitize(SanitizableData data) {
    String key = data.getKey();
    Object value = data.getValue();
    if (value == null || !(value instanceof CharSequence)) {
      return data;
    }
    String v = value.toString();
    int at = key.indexOf("changeflux.sources.");
    String leaf = key.substring(key.lastIndexOf('.') + 1);
    boolean ours = at >= 0 || key.startsWith("sources.") || key.contains("[");
    if (!ours) {
      // configprops shows the map values under keys without the prefix: check every value anyway
      String r = redacted(v);
      return r.equals(v) ? data : data.withValue(r);
    }
    if (!redacted(leaf + "=x").equals(leaf + "=x")) {
      return data.withValue(SanitizableData.SANITIZED_VALUE); // the key itself is a secret
    }
    String r = redacted(v);
    return r.equals(v) ? data : data.withValue(r);
  }

  private static String redacted(String text) {
    String r = SourceOptions.redact(text);
    return r == null ? text : r; // non-null text stays non-null
  }
}
