package io.changeflux.internal;

import io.changeflux.ChangeEvent;
import org.jspecify.annotations.Nullable;

/**
 * Reads of {@link ChangeEvent} fields that the public accessors only give wrapped: {@link
 * ChangeEvent#sha()} returns a fresh {@link java.util.Optional} per call, which the JIT does not
 * scalar-replace (its {@code ofNullable} merges the shared empty instance with a new one), so an
 * operator reading the sha of every event would allocate per event. {@link ChangeEvent} installs
 * its reader here once, when it is initialised (as the JDK's shared secrets); until then, and if it
 * never did, the public accessor is used.
 */
public final class EventAccess {

  /** The reader {@link ChangeEvent} installs. */
  public interface Reader {
    /**
     * The event's sha, unwrapped.
     *
     * @param e the event
     * @return its sha, or null when it has none
     */
    @Nullable String sha(ChangeEvent e);
  }

  private static volatile @Nullable Reader reader;

  private EventAccess() {}

  /**
   * Installs the reader; only the first call counts (ChangeEvent's static initialiser).
   *
   * @param r the reader
   */
  public static synchronized void install(Reader r) {
    if (reader == null) {
      reader = r;
    }
  }

  /**
   * {@code e.sha().orElse(null)}, without the Optional.
   *
   * @param e the event
   * @return its sha, or null
   */
  public static @Nullable String sha(ChangeEvent e) {
    Reader r = reader;
    return r != null ? r.sha(e) : e.sha().orElse(null);
  }
}
