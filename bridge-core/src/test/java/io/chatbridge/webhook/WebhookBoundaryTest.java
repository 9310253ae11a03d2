package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The built-in driver is written like any plugin: from the bridge it may use only the SPI. It lives in bridge-core
 * (so the compiler cannot enforce it as it does for driver-dingtalk and the example driver): every reference to an
 * {@code io.chatbridge} package in its sources, imports and fully qualified names alike, is checked.
 */
class WebhookBoundaryTest {

    private static final Pattern BRIDGE_REFERENCE = Pattern.compile("\\bio\\.chatbridge\\.([a-z0-9_]+)\\.");
    /** String literals name no packages (e.g. the CloudEvents type {@code io.chatbridge.message}). */
    private static final Pattern STRING_LITERAL = Pattern.compile("\"(?:\\\\.|[^\"\\\\])*\"");

    @Test
    void importsNothingFromTheBridgeOutsideTheSpi() throws IOException {
        Path sources = Path.of("src/main/java/io/chatbridge/webhook");
        List<String> offending;
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(f -> f.toString().endsWith(".java")).toList();
        }
        offending = files.stream().flatMap(f -> {
            try {
                Matcher m = BRIDGE_REFERENCE.matcher(STRING_LITERAL.matcher(Files.readString(f)).replaceAll("\"\""));
                Stream.Builder<String> found = Stream.builder();
                while (m.find()) {
                    if (!m.group(1).equals("spi") && !m.group(1).equals("webhook")) {
                        found.add(sources.relativize(f) + ": " + m.group());
                    }
                }
                return found.build();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
        assertThat(offending).isEmpty();
        assertThat(files).hasSizeGreaterThan(5);
    }

    @Test
    void theCheckFindsAFullyQualifiedReference() {
        String code = "String s = io.chatbridge.core.logging.Secrets.redact(\"io.chatbridge.message\");";
        Matcher m = BRIDGE_REFERENCE.matcher(STRING_LITERAL.matcher(code).replaceAll("\"\""));
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo("core");
        assertThat(m.find()).as("the literal is not a reference").isFalse();
    }
}
