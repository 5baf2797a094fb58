/** The {@code mem:NAME} in-memory source, for users' own tests. */
@NullMarked
package io.changeflux.mem;

import org.jspecify.annotations.NullMarked;
