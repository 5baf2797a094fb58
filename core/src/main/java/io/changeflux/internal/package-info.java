/** Operator implementations; not API, may change without notice. */
package io.changeflux.internal;
