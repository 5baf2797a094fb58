package io.changeflux.spring;

import java.util.Map;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * One {@link ManagedChangeSource} bean per {@code changeflux.sources.NAME}: bean name {@code
 * changeflux.sources.NAME}, qualifier {@code NAME}, closed with the context.
 */
final class ChangefluxSourceRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {

  private static final ResolvableType SOURCES =
      ResolvableType.forClassWithGenerics(
          Map.class,
          ResolvableType.forClass(String.class),
          ResolvableType.forClassWithGenerics(Map.class, String.class, String.class));

  // Spring calls setEnvironment before registerBeanDefinitions (EnvironmentAware).
  @SuppressWarnings("NullAway.Init")
  private Environment environment;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    Map<String, Map<String, String>> sources =
        Binder.get(environment)
            .<Map<String, Map<String, String>>>bind("changeflux.sources", Bindable.of(SOURCES))
            .orElse(Map.of());
    for (Map.Entry<String, Map<String, String>> e : sources.entrySet()) {
      String name = e.getKey();
      Map<String, String> keys = e.getValue();
      RootBeanDefinition bd =
          new RootBeanDefinition(ManagedChangeSource.class, () -> ChangefluxSourceFactory.open(name, keys));
      bd.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
      bd.setDestroyMethodName(AbstractBeanDefinition.INFER_METHOD);
      registry.registerBeanDefinition(ChangefluxSourceFactory.PREFIX + name, bd);
    }
  }
}
