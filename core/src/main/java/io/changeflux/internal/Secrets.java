package io.changeflux.internal;

import io.changeflux.ChangePipeline;
import io.changeflux.ChangeSources;
import io.changeflux.OptionSpec;
import io.changeflux.spi.ChangeSourceProvider;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which option keys hold secrets, known before any validation: a key that an installed provider
 * declares {@link OptionSpec#sensitive()}, and any key no provider declares whose name contains
 * {@code pass}, {@code token}, {@code secret}, {@code key} or {@code cred} (case-insensitive), so a
 * mistyped {@code passwrd=} is hidden too. A key every declaring provider marks as plain (such as
 * {@code keyspace}) is not secret.
 */
public final class Secrets {

  private static final List<String> FRAGMENTS = List.of("pass", "token", "secret", "key", "cred");

  private static volatile @Nullable Known known;
  private static final ThreadLocal<Boolean> LOADING = new ThreadLocal<>();

  private Secrets() {}

  /** The keys declared by the installed providers and the pipeline, split by sensitivity. */
  public static final class Known {
    final Set<String> sensitive;
    final Set<String> plain;

    /** From the providers' option specs and the pipeline's. */
    public Known(Collection<? extends ChangeSourceProvider> providers) {
      Set<String> s = new HashSet<>();
      Set<String> p = new HashSet<>();
      for (ChangeSourceProvider provider : providers) {
        add(provider.options(), s, p);
      }
      add(ChangePipeline.OPTIONS, s, p);
      p.removeAll(s);
      this.sensitive = Set.copyOf(s);
      this.plain = Set.copyOf(p);
    }

    private static void add(Collection<? extends OptionSpec<?>> specs, Set<String> s, Set<String> p) {
      for (OptionSpec<?> spec : specs) {
        (spec.isSensitive() ? s : p).add(spec.name());
      }
    }

    /** Whether {@code key} is secret by these declarations and the name rule. */
    public boolean isSecret(String key) {
      if (sensitive.contains(key)) {
        return true;
      }
      return !plain.contains(key) && looksSecret(key);
    }

    /** Every key a provider declares sensitive. */
    public Set<String> sensitive() {
      return sensitive;
    }
  }

  /** Whether an option key holds a secret (see the class comment). */
  public static boolean isSecret(@Nullable String key) {
    if (key == null) {
      return false;
    }
    Known k = known();
    return k == null ? looksSecret(key) : k.isSecret(key);
  }

  /** Whether the name alone says secret: it contains pass, token, secret, key or cred. */
  public static boolean looksSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    for (String f : FRAGMENTS) {
      if (k.contains(f)) {
        return true;
      }
    }
    return false;
  }

  /** The installed providers' declarations, loaded once; null while they are being loaded. */
  static @Nullable Known known() {
    Known k = known;
    if (k != null) {
      return k;
    }
    if (LOADING.get() != null) {
      return null; // a provider's own initialisation asked: the name rule alone applies
    }
    synchronized (Secrets.class) {
      if (known == null) {
        LOADING.set(Boolean.TRUE);
        try {
          known = new Known(ChangeSources.providers());
        } catch (RuntimeException | LinkageError e) {
          return null;
        } finally {
          LOADING.remove();
        }
      }
      return known;
    }
  }
}
