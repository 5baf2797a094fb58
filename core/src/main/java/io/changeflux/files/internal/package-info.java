/**
 * What the file backends ({@code fs:}, {@code poll:}) share and applications never see: exported
 * by core to those two modules only, not API, may change without notice.
 */
@NullMarked
package io.changeflux.files.internal;

import org.jspecify.annotations.NullMarked;
