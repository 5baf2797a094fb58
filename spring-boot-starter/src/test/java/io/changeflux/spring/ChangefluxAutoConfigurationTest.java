package io.changeflux.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.changeflux.ChangeEvent;
import io.changeflux.ChangeSource;
import io.changeflux.HealthState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.autoconfigure.context.properties.ConfigurationPropertiesReportEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.env.EnvironmentEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.SimpleStatusAggregator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.actuate.health.StatusAggregator;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.Disposable;

class ChangefluxAutoConfigurationTest {

  private static final String SECRET = "pa/ss@wo:rd-91";

  @TempDir Path dir;

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ChangefluxAutoConfiguration.class));

  /** A consumer that injects a source by its name. */
  @Configuration(proxyBeanMethods = false)
  static class Consumer {
    @Bean
    String inboxUri(@Qualifier("inbox") ChangeSource inbox) {
      return inbox.health().source();
    }
  }

  @Test
  void eachSourceIsABeanQualifiedByItsName() throws Exception {
    runner
        .withUserConfiguration(Consumer.class)
        .withPropertyValues(
            "changeflux.sources.inbox.uri=fs:" + dir,
            "changeflux.sources.inbox.include=**/*.json",
            "changeflux.sources.other.uri=fs:" + dir + "?recursive=false")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx.getBeansOfType(ChangeSource.class)).hasSize(2);
              assertThat(ctx.getBean("inboxUri", String.class)).isEqualTo("fs:" + dir + "?include=**/*.json");
              ManagedChangeSource inbox = (ManagedChangeSource) ctx.getBean("changeflux.sources.inbox");
              List<ChangeEvent> got = new CopyOnWriteArrayList<>();
              AtomicBoolean completed = new AtomicBoolean();
              Disposable d = inbox.events().subscribe(got::add, e -> {}, () -> completed.set(true));
              await().until(() -> inbox.health().current().state() == HealthState.UP);
              Files.writeString(dir.resolve("a.json"), "{}");
              Files.writeString(dir.resolve("b.txt"), "x");
              await().until(() -> got.stream().anyMatch(e -> e.key().equals("a.json")));
              assertThat(got).noneMatch(e -> e.key().equals("b.txt"));
              ctx.close(); // closes the sources: the subscription completes and releases its watch
              await().untilTrue(completed);
              assertThat(inbox.health().current().state()).isEqualTo(HealthState.STOPPED);
              d.dispose();
            });
  }

  @Test
  void aMissingUriFailsStartupNamingTheKey() {
    runner
        .withPropertyValues("changeflux.sources.orders.debounce=200ms")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(rootMessage(ctx.getStartupFailure())).contains("changeflux.sources.orders.uri: missing");
            });
  }

  @Test
  void aBadValueFailsStartupNamingTheKeyWithoutTheSecret() {
    runner
        .withPropertyValues(
            "changeflux.sources.orders.uri=redis://app:" + URLEncoder.encode(SECRET, StandardCharsets.UTF_8) + "@127.0.0.1:1?channels=o",
            "changeflux.sources.orders.debounce=soon")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              String m = rootMessage(ctx.getStartupFailure());
              assertThat(m).contains("changeflux.sources.orders.debounce:").contains("'soon'");
              assertThat(everything(ctx.getStartupFailure())).doesNotContain("wo:rd").doesNotContain("wo%3Ard");
            });
  }

  @Test
  void anUnknownKeyOrSchemeFailsStartupNamingIt() {
    runner
        .withPropertyValues("changeflux.sources.a.uri=fs:" + dir, "changeflux.sources.a.debouce=1s")
        .run(ctx -> assertThat(rootMessage(ctx.getStartupFailure())).contains("changeflux.sources.a.debouce:").contains("debounce"));
    runner
        .withPropertyValues("changeflux.sources.b.uri=nope:/x")
        .run(ctx -> assertThat(rootMessage(ctx.getStartupFailure())).contains("changeflux.sources.b.uri:").contains("unknown scheme 'nope'"));
    runner
        .withPropertyValues("changeflux.sources.c.uri=fs:" + dir + "?debounce=1s", "changeflux.sources.c.debounce=2s")
        .run(ctx -> assertThat(rootMessage(ctx.getStartupFailure())).contains("changeflux.sources.c.debounce: given both"));
  }

  @Test
  void healthPerSourceFromTheHealthModel() throws Exception {
    runner
        .withConfiguration(AutoConfigurations.of(HealthContributorAutoConfiguration.class, HealthEndpointAutoConfiguration.class))
        .withPropertyValues("changeflux.sources.inbox.uri=fs:" + dir)
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              CompositeHealthContributor c = (CompositeHealthContributor) ctx.getBean("changefluxHealthContributor", HealthContributor.class);
              HealthIndicator inbox = (HealthIndicator) c.getContributor("inbox");
              assertThat(inbox.health().getStatus()).isEqualTo(Status.UNKNOWN);
              assertThat(inbox.health().getDetails()).containsEntry("state", "STOPPED");
              ChangeSource s = ctx.getBean("changeflux.sources.inbox", ChangeSource.class);
              Disposable d = s.events().subscribe();
              await().until(() -> inbox.health().getStatus().equals(Status.UP));
              assertThat(inbox.health().getDetails()).containsEntry("source", "fs:" + dir);
              d.dispose();
            });
  }

  /** A DEGRADED changeflux source beside an UP one, as the starter maps them. */
  @Configuration(proxyBeanMethods = false)
  static class DegradedBeside {
    @Bean
    HealthIndicator lagging() {
      return () ->
          ChangefluxHealthConfiguration.health(
              new io.changeflux.SourceHealth("mem:x", HealthState.DEGRADED, "consumer lag", java.time.Instant.now()));
    }

    @Bean
    HealthIndicator fine() {
      return () -> org.springframework.boot.actuate.health.Health.up().build();
    }
  }

  private ApplicationContextRunner withHealthEndpoint() {
    return runner
        .withConfiguration(AutoConfigurations.of(HealthContributorAutoConfiguration.class, HealthEndpointAutoConfiguration.class))
        .withUserConfiguration(DegradedBeside.class);
  }

  @Test
  void degradedCountsInTheDefaultAggregate() {
    withHealthEndpoint()
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx.getBean(HealthEndpoint.class).health().getStatus().getCode()).isEqualTo("DEGRADED");
              StatusAggregator a = ctx.getBean(StatusAggregator.class);
              Status degraded = new Status("DEGRADED");
              assertThat(a.getAggregateStatus(Status.UP, degraded)).isEqualTo(degraded);
              assertThat(a.getAggregateStatus(Status.DOWN, degraded)).isEqualTo(Status.DOWN);
              assertThat(a.getAggregateStatus(Status.OUT_OF_SERVICE, degraded)).isEqualTo(Status.OUT_OF_SERVICE);
              assertThat(a.getAggregateStatus(Status.UNKNOWN, degraded)).isEqualTo(degraded);
              assertThat(a.getAggregateStatus(Status.UP, Status.UNKNOWN)).isEqualTo(Status.UP); // Actuator's default
            });
  }

  @Test
  void theUsersOwnStatusOrderOrAggregatorIsKept() {
    withHealthEndpoint()
        .withPropertyValues("management.endpoint.health.status.order=DOWN,UP,UNKNOWN")
        .run(
            ctx -> {
              // DEGRADED is not in the user's order: Actuator ignores it, as it would without us
              assertThat(ctx.getBean(HealthEndpoint.class).health().getStatus()).isEqualTo(Status.UP);
            });
    withHealthEndpoint()
        .withPropertyValues("management.endpoint.health.status.order=DEGRADED,DOWN,UP")
        .run(ctx -> assertThat(ctx.getBean(HealthEndpoint.class).health().getStatus().getCode()).isEqualTo("DEGRADED"));
    withHealthEndpoint()
        .withBean("mine", StatusAggregator.class, () -> new SimpleStatusAggregator(Status.UP, new Status("DEGRADED")))
        .run(
            ctx -> {
              assertThat(ctx.getBeansOfType(StatusAggregator.class)).containsOnlyKeys("mine");
              assertThat(ctx.getBean(HealthEndpoint.class).health().getStatus()).isEqualTo(Status.UP);
            });
  }

  @Test
  void sourcesAreMeteredWhenARegistryBindsThem() {
    runner
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withPropertyValues("changeflux.sources.inbox.uri=fs:" + dir)
        .run(
            ctx -> {
              MeterRegistry registry = ctx.getBean(MeterRegistry.class);
              ctx.getBean("changefluxMeterBinder", io.micrometer.core.instrument.binder.MeterBinder.class).bindTo(registry);
              ChangeSource s = ctx.getBean("changeflux.sources.inbox", ChangeSource.class);
              List<ChangeEvent> got = new CopyOnWriteArrayList<>();
              Disposable d = s.events().subscribe(got::add);
              await().until(() -> registry.get("changeflux.health").tag("source", "inbox").tag("state", "UP").gauge().value() == 1);
              Files.writeString(dir.resolve("m"), "1");
              await().until(() -> registry.get("changeflux.events").tag("source", "inbox").tag("kind", "CREATED").functionCounter().count() >= 1);
              d.dispose();
            });
  }

  @Test
  void noSecretInEnvOrConfigpropsEvenWithShowValuesAlways() {
    String uri = "redis://app:" + URLEncoder.encode(SECRET, StandardCharsets.UTF_8) + "@127.0.0.1:1?channels=o";
    runner
        .withConfiguration(
            AutoConfigurations.of(
                EndpointAutoConfiguration.class,
                EnvironmentEndpointAutoConfiguration.class,
                ConfigurationPropertiesReportEndpointAutoConfiguration.class))
        .withPropertyValues(
            "management.endpoints.web.exposure.include=*",
            "management.endpoints.jmx.exposure.include=*",
            "management.endpoint.env.show-values=always",
            "management.endpoint.configprops.show-values=always",
            "changeflux.sources.orders.uri=" + uri,
            "changeflux.sources.orders.debounce=222ms")
        .run(
            ctx -> {
              ObjectMapper json = new ObjectMapper().findAndRegisterModules();
              String env = json.writeValueAsString(ctx.getBean(EnvironmentEndpoint.class).environment(null));
              String props = json.writeValueAsString(ctx.getBean(ConfigurationPropertiesReportEndpoint.class).configurationProperties());
              assertThat(env).contains("changeflux.sources.orders.uri").contains("222ms").contains("redis://app:***@127.0.0.1:1");
              assertThat(props).contains("orders");
              for (String text : List.of(env, props)) {
                assertThat(text).doesNotContain("wo:rd").doesNotContain("wo%3Ard").doesNotContain("pa/ss").doesNotContain("pa%2Fss");
              }
            });
  }

  @Test
  void aKeyThatIsItselfSecretIsMaskedWhole() {
    var data =
        new org.springframework.boot.actuate.endpoint.SanitizableData(null, "changeflux.sources.orders.password", SECRET);
    assertThat(ChangefluxSanitizingConfiguration.sanitize(data).getValue()).isEqualTo("******");
    var plain = new org.springframework.boot.actuate.endpoint.SanitizableData(null, "changeflux.sources.orders.debounce", "1s");
    assertThat(ChangefluxSanitizingConfiguration.sanitize(plain).getValue()).isEqualTo("1s");
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c != null) {
      if (c instanceof ChangefluxConfigurationException) {
        return c.getMessage();
      }
      c = c.getCause();
    }
    return String.valueOf(t);
  }

  private static String everything(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c).append('\n');
    }
    return sb.toString();
  }
}
