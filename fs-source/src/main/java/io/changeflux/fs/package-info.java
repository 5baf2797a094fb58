/**
 * The {@code fs:PATH} backend: native file-system watching through directory-watcher, with a
 * rescan after any loss and a polling fallback. Found through {@link
 * io.changeflux.spi.ChangeSourceProvider}; open it with {@code ChangeSources.open("fs:/srv")}.
 */
@NullMarked
package io.changeflux.fs;

import org.jspecify.annotations.NullMarked;
