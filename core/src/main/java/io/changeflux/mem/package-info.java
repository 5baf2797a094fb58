/** The {@code mem:NAME} in-memory source, for users' own tests. */
package io.changeflux.mem;
