/** Reading a repository's refs without running git; not an API. */
@NullMarked
package io.changeflux.git.internal;

import org.jspecify.annotations.NullMarked;
