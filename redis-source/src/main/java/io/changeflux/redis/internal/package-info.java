/** Implementation of the Redis backend; not API. */
@NullMarked
package io.changeflux.redis.internal;

import org.jspecify.annotations.NullMarked;
