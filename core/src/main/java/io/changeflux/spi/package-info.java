/**
 * The service-provider interface backends implement: {@link
 * io.changeflux.spi.ChangeSourceProvider}, found with {@link java.util.ServiceLoader}.
 */
package io.changeflux.spi;
