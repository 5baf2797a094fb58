package io.changeflux.spring;

import io.changeflux.HealthState;
import io.changeflux.SourceHealth;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.SimpleStatusAggregator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.actuate.health.StatusAggregator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * With Actuator: the health contributor {@code changeflux}, one indicator per source from its
 * {@link io.changeflux.HealthMonitor}: UP → {@code UP}, DEGRADED → {@code DEGRADED} (a status of its
 * own), DOWN → {@code DOWN}, STARTING → {@code UNKNOWN}, STOPPED → {@code UNKNOWN}; details:
 * {@code state}, {@code reason}, {@code since}, {@code source} (the redacted URI).
 *
 * <p>Actuator's default status order ({@code DOWN, OUT_OF_SERVICE, UP, UNKNOWN}) does not know
 * {@code DEGRADED}, and its aggregator ignores a status it does not know: UP and DEGRADED would
 * show as UP, DEGRADED alone as UNKNOWN. So, unless the application has a {@link StatusAggregator}
 * of its own, the default order gets {@code DEGRADED} between {@code OUT_OF_SERVICE} and {@code UP}
 * (UP + DEGRADED is DEGRADED, DOWN + DEGRADED is DOWN); an application that sets {@code
 * management.endpoint.health.status.order} keeps exactly its order (as Actuator would), and groups
 * with an order of their own keep theirs. DEGRADED answers HTTP 200 (Actuator's default mapping of
 * a status other than DOWN and OUT_OF_SERVICE): the source still delivers.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(HealthIndicator.class)
class ChangefluxHealthConfiguration {

  /** The status of a DEGRADED source. */
  static final Status DEGRADED = new Status("DEGRADED", "delivering, but not as configured");

  /** The default status order with {@code DEGRADED}: worst first. */
  static final List<String> ORDER =
      List.of(Status.DOWN.getCode(), Status.OUT_OF_SERVICE.getCode(), DEGRADED.getCode(), Status.UP.getCode(), Status.UNKNOWN.getCode());

  /** The property whose order, when set, is kept as it is. */
  static final String ORDER_PROPERTY = "management.endpoint.health.status.order";

  /**
   * The aggregator of the health endpoint and its groups (Actuator's own backs off when this bean
   * exists; the auto-configuration runs before it): the user's {@link #ORDER_PROPERTY} when set,
   * else {@link #ORDER}.
   */
  @Bean
  @ConditionalOnMissingBean(StatusAggregator.class)
  StatusAggregator changefluxStatusAggregator(Environment environment) {
    List<String> order =
        Binder.get(environment).bind(ORDER_PROPERTY, Bindable.listOf(String.class)).orElse(List.of());
    return new SimpleStatusAggregator(order.isEmpty() ? ORDER : order);
  }

  @Bean
  HealthContributor changefluxHealthContributor(ObjectProvider<ManagedChangeSource> sources) {
    Map<String, HealthIndicator> indicators = new LinkedHashMap<>();
    sources.orderedStream().forEach(s -> indicators.put(s.name(), () -> health(s.health().current())));
    return CompositeHealthContributor.fromMap(indicators);
  }

  static Health health(SourceHealth h) {
    Health.Builder b;
    switch (h.state()) {
      case UP:
        b = Health.up();
        break;
      case DEGRADED:
        b = Health.status(DEGRADED);
        break;
      case DOWN:
        b = Health.down();
        break;
      default:
        b = Health.unknown();
    }
    b.withDetail("state", h.state().name()).withDetail("source", h.source()).withDetail("since", h.since().toString());
    if (!h.reason().isEmpty()) {
      b.withDetail("reason", h.reason());
    }
    return b.build();
  }

  static boolean isUp(HealthState s) {
    return s == HealthState.UP;
  }
}
