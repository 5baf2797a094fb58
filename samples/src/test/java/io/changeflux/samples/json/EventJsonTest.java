package io.changeflux.samples.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.changeflux.ChangeEvent;
import io.changeflux.ChangeKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class EventJsonTest {

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void jsonHasTheContractFields() throws Exception {
    ChangeEvent e =
        ChangeEvent.builder(ChangeKind.MODIFIED, "src/A \"q\".java")
            .source("fs:/repo")
            .time(Instant.parse("2026-01-02T03:04:05.123Z"))
            .sha("abc")
            .payload("héllo\n".getBytes(StandardCharsets.UTF_8))
            .header("id", "7")
            .count(3)
            .build();
    JsonNode n = json.readTree(EventJson.json(e, 4L));
    assertThat(n.get("time").asText()).isEqualTo("2026-01-02T03:04:05.123Z");
    assertThat(n.get("source").asText()).isEqualTo("fs:/repo");
    assertThat(n.get("kind").asText()).isEqualTo("MODIFIED");
    assertThat(n.get("key").asText()).isEqualTo("src/A \"q\".java");
    assertThat(n.get("sha").asText()).isEqualTo("abc");
    assertThat(n.get("payload").asText()).isEqualTo("héllo\n");
    assertThat(n.get("count").asInt()).isEqualTo(3);
    assertThat(n.get("batch").asLong()).isEqualTo(4);
    assertThat(n.get("headers").get("id").asText()).isEqualTo("7");
    assertThat(EventJson.json(e, null)).doesNotContain("\n");
  }

  @Test
  void jsonOmitsAbsentFieldsAndBase64sBinaryPayloads() throws Exception {
    byte[] binary = {(byte) 0xff, 0, (byte) 0xfe};
    ChangeEvent e = ChangeEvent.builder(ChangeKind.CREATED, "k").payload(binary).build();
    JsonNode n = json.readTree(EventJson.json(e, null));
    assertThat(n.has("sha")).isFalse();
    assertThat(n.has("batch")).isFalse();
    assertThat(n.has("headers")).isFalse();
    assertThat(n.has("payload")).isFalse();
    assertThat(Base64.getDecoder().decode(n.get("payloadBase64").asText())).isEqualTo(binary);
  }
}
