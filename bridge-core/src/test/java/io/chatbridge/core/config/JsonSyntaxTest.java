package io.chatbridge.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JsonSyntaxTest {

    @Test
    void validJsonHasNoError() {
        assertThat(JsonSyntax.find("{\"a\": [1, -2.5e3, \"x\\n\\u00e9\", true, false, null, {}], \"b\": {\"c\": []}}"))
                .isNull();
    }

    @Test
    void anUnclosedInnerObjectIsNamedWithTheLineItOpensOn() {
        JsonSyntax.Error error = JsonSyntax.find("{\n  \"dingtalk\": {\n    \"dt\": {\"app_key\": \"k\"}\n");
        assertThat(error).isEqualTo(new JsonSyntax.Error(3, 27, "missing '}' to close the object opened at line 2"));
    }

    @Test
    void aLargeFileWithOneErrorAtTheEndIsScannedInOnePass() {
        StringBuilder rules = new StringBuilder("{\"rules\": [\n");
        for (int i = 0; i < 50_000; i++) {
            rules.append("  {\"from\": {\"a\": {\"room\": \"").append(i).append("\"}}, \"to\": {\"b\": {}}},\n");
        }
        rules.append("]}");
        JsonSyntax.Error error = JsonSyntax.find(rules.toString());
        assertThat(error.line()).isEqualTo(50_001);
        assertThat(error.message()).isEqualTo("trailing comma before ']': remove it (JSON allows none)");
    }

    @Test
    void wrongNumbersAndEscapesSayWhatIsWrong() {
        assertThat(JsonSyntax.find("{\"port\": 08090}").message()).startsWith("not a valid number: no leading zeros");
        assertThat(JsonSyntax.find("{\"port\": 8090x}").message()).startsWith("not a valid number");
        assertThat(JsonSyntax.find("{\"p\": \"a\\qb\"}").message()).startsWith("invalid escape");
        assertThat(JsonSyntax.find("{'p': 1}").message()).isEqualTo("keys take double quotes (\"), not single quotes");
        assertThat(JsonSyntax.find("{p: 1}").message()).isEqualTo("a key must be in double quotes");
        assertThat(JsonSyntax.find("{\"p\" 1}").message()).isEqualTo("expected ':' after the key \"p\"");
        assertThat(JsonSyntax.find("[1,,2]").message()).isEqualTo("expected a value before ','");
    }
}
