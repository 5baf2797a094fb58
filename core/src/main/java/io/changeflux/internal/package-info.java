/** Operator implementations; not API, may change without notice. */
@NullMarked
package io.changeflux.internal;

import org.jspecify.annotations.NullMarked;
