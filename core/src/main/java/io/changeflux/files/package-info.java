/**
 * Building blocks for source providers that report files: the tree walk every file backend shares
 * ({@link io.changeflux.files.TreeScanner}), what it knows of one file ({@link
 * io.changeflux.files.FileState}), and the one file hasher ({@link io.changeflux.files.FileHasher})
 * that reads a file's bytes without ever blocking on a FIFO, reading a device or following a link
 * out of the watched root; git's ignore rules ({@link io.changeflux.files.GitIgnore}) and the gate
 * that holds events during a version-control operation ({@link io.changeflux.files.VcsSettle},
 * {@code settle=vcs}).
 *
 * <p>This package is public so that backends in other modules ({@code fs:}, {@code poll:}, the
 * {@code confirm=sha256} stage) share one definition of "the tree" and one hashing rule without
 * reaching into each other's internals. It is meant for source providers, not for applications;
 * applications see only {@link io.changeflux.ChangeEvent}s.
 */
@NullMarked
package io.changeflux.files;

import org.jspecify.annotations.NullMarked;
