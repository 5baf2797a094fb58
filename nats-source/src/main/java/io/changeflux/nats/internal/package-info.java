/** Implementation of the NATS backend; not API. */
@NullMarked
package io.changeflux.nats.internal;

import org.jspecify.annotations.NullMarked;
