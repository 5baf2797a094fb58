package io.changeflux.mem;

import io.changeflux.ChangeKind;
import io.changeflux.testkit.ChangeSourceTestKit;
import org.junit.jupiter.api.AfterEach;

class MemSourceTest implements ChangeSourceTestKit {

  @AfterEach
  void reset() {
    InMemory.channel("failing").failSubscriptions(null);
  }

  @Override
  public String uri() {
    return "mem:kit";
  }

  @Override
  public String failingUri() {
    InMemory.channel("failing").failSubscriptions("refused on purpose");
    return "mem:failing";
  }

  @Override
  public String change(int i) {
    String key = "key-" + i;
    InMemory.channel("kit").emit(ChangeKind.MODIFIED, key);
    return key;
  }
}
