/** Implementation; not exported. */
@NullMarked
package io.changeflux.fs.internal;

import org.jspecify.annotations.NullMarked;
