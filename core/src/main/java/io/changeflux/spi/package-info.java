/**
 * The service-provider interface backends implement: {@link
 * io.changeflux.spi.ChangeSourceProvider}, found with {@link java.util.ServiceLoader}.
 */
@NullMarked
package io.changeflux.spi;

import org.jspecify.annotations.NullMarked;
