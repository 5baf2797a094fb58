package io.changeflux;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Resolves the current content id of what an event names: the SHA-256 of a file's bytes, or any
 * other id that changes exactly when the thing changes (a branch's commit id, an ETag). Used by
 * {@link ChangeOps#confirm(ShaResolver)}, which drops an event when the id equals the last one seen
 * for its key. Ready-made resolvers are in {@link ShaResolvers}.
 *
 * <p>A resolver may block (it runs on {@code boundedElastic}), and is called for CREATED and
 * MODIFIED events only.
 */
@FunctionalInterface
public interface ShaResolver {

  /**
   * The current id of what {@code event} names.
   *
   * @return the id (such as hex SHA-256), or null when the thing no longer exists (the event then
   *     becomes DELETED)
   * @throws java.nio.file.NoSuchFileException when it no longer exists (same as returning null)
   * @throws IOException when it exists but cannot be read now (the event passes unchanged)
   * @param event a CREATED or MODIFIED event
   */
  @Nullable String resolve(ChangeEvent event) throws IOException;
}
