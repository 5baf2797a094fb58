/**
 * The changeflux Spring Boot starter ({@link io.changeflux.spring.ChangefluxAutoConfiguration}):
 * sources from {@code changeflux.sources.*} as {@code ChangeSource} beans, Actuator health,
 * Micrometer metrics, sanitised secrets. Spring's jars are automatic modules (named by their
 * {@code Automatic-Module-Name}); Actuator is optional. The package is opened to Spring, which
 * creates the package-private configuration classes and calls their bean methods reflectively.
 */
module io.changeflux.spring {
  requires static org.jspecify;
  requires transitive io.changeflux.core;
  requires transitive io.changeflux.micrometer;
  requires transitive spring.boot;
  requires spring.boot.autoconfigure;
  requires spring.beans;
  requires spring.context;
  requires spring.core;
  requires static spring.boot.actuator;
  requires static spring.boot.actuator.autoconfigure;
  // Actuator's Health carries Jackson annotations (javadoc and the compiler read them)
  requires static com.fasterxml.jackson.annotation;

  exports io.changeflux.spring;

  opens io.changeflux.spring to
      spring.core,
      spring.beans,
      spring.context;
}
