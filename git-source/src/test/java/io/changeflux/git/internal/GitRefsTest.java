package io.changeflux.git.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changeflux.git.GitRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitRefsTest {

  @TempDir Path tmp;

  @Test
  void resolvesLooseRefsAsGitDoes() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    GitRefs refs = GitRefs.of(repo.dir);
    assertThat(refs.resolve("main")).contains(repo.head());
    String second = repo.commit("second");
    assertThat(refs.resolve("main")).contains(second);
    repo.git("commit", "-q", "--amend", "-m", "amended");
    assertThat(refs.resolve("main")).contains(repo.head()).isNotEqualTo(second);
    assertThat(refs.currentBranch()).contains("main");
  }

  @Test
  void resolvesPackedRefsAfterGc() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    String head = repo.head();
    repo.git("gc", "-q");
    assertThat(repo.dir.resolve(".git/refs/heads/main")).doesNotExist();
    assertThat(GitRefs.of(repo.dir).resolve("main")).contains(head);
  }

  @Test
  void resolvesBranchesWithSlashesAndMissingBranches() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    repo.git("branch", "feature/x");
    GitRefs refs = GitRefs.of(repo.dir);
    assertThat(refs.resolve("feature/x")).contains(repo.revParse("feature/x"));
    assertThat(refs.resolve("nope")).isEmpty();
  }

  @Test
  void aLinkedWorktreeReadsRefsFromTheCommonDir() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    Path wt = tmp.resolve("wt");
    repo.git("worktree", "add", "-q", "-b", "side", wt.toString());
    GitRefs refs = GitRefs.of(wt);
    assertThat(refs.commonDir()).isEqualTo(repo.dir.resolve(".git").toRealPath());
    assertThat(refs.gitDir()).isNotEqualTo(refs.commonDir());
    assertThat(refs.currentBranch()).contains("side");
    String onMain = repo.commit("on main");
    assertThat(refs.resolve("main")).contains(onMain);
    GitRepo side = new GitRepo(wt);
    String onSide = side.commit("on side");
    assertThat(refs.resolve("side")).contains(onSide);
  }

  @Test
  void detachedHeadHasNoCurrentBranch() throws Exception {
    GitRepo repo = GitRepo.init(tmp.resolve("r"));
    repo.git("checkout", "-q", "--detach");
    assertThat(GitRefs.of(repo.dir).currentBranch()).isEmpty();
  }

  @Test
  void notARepositoryIsAClearError() throws Exception {
    Path plain = Files.createDirectories(tmp.resolve("plain"));
    assertThatThrownBy(() -> GitRefs.of(plain)).hasMessageContaining("not a git repository");
    assertThatThrownBy(() -> GitRefs.of(tmp.resolve("missing"))).hasMessageContaining("no such directory");
  }
}
