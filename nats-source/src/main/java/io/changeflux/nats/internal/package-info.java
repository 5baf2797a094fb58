/** Implementation of the NATS backend; not API. */
package io.changeflux.nats.internal;
