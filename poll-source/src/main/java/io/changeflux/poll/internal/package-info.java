/** Implementation; not exported. */
@NullMarked
package io.changeflux.poll.internal;

import org.jspecify.annotations.NullMarked;
