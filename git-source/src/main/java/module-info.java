/** The {@code git:} source: one event per new commit on a branch ({@link io.changeflux.git.GitProvider}). */
module io.changeflux.git {
  requires static org.jspecify;
  requires transitive io.changeflux.core;
  requires io.changeflux.fs; // its ChangeSourceProvider watches the ref folders
  requires org.slf4j;

  exports io.changeflux.git;

  provides io.changeflux.spi.ChangeSourceProvider with
      io.changeflux.git.GitProvider;
}
