/** Implementation of the Redis backend; not API. */
package io.changeflux.redis.internal;
