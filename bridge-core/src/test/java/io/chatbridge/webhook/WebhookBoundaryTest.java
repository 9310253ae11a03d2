package io.chatbridge.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The built-in driver is written like any plugin: from the bridge it may import only the SPI (its own packages,
 * such as {@code io.chatbridge.webhook.alerts}, are checked too).
 */
class WebhookBoundaryTest {

    @Test
    void importsNothingFromTheBridgeOutsideTheSpi() throws IOException {
        Path sources = Path.of("src/main/java/io/chatbridge/webhook");
        List<String> offending;
        try (Stream<Path> files = Files.walk(sources)) {
            offending = files.filter(f -> f.toString().endsWith(".java"))
                    .flatMap(f -> {
                        try {
                            return Files.readAllLines(f).stream()
                                    .filter(line -> line.startsWith("import io.chatbridge.")
                                            && !line.startsWith("import io.chatbridge.spi.")
                                            && !line.startsWith("import io.chatbridge.webhook.")
                                            && !line.startsWith("import static io.chatbridge.webhook."))
                                    .map(line -> f.getFileName() + ": " + line);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .toList();
        }
        assertThat(offending).isEmpty();
        try (Stream<Path> files = Files.list(sources)) {
            assertThat(files.count()).isGreaterThan(5);
        }
    }
}
