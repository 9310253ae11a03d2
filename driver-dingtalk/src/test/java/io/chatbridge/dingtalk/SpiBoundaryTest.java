package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Main code of the driver uses nothing of the bridge outside its SPI. */
class SpiBoundaryTest {

    private static final Pattern BRIDGE_REFERENCE = Pattern.compile("\\bio\\.chatbridge\\.([a-z0-9_]+)");

    @Test
    void mainCodeImportsNothingFromTheBridgeOutsideTheSpi() throws IOException {
        Path main = Path.of("src/main/java");
        assertThat(main).isDirectory();
        List<String> violations;
        try (Stream<Path> files = Files.walk(main)) {
            violations = files.filter(f -> f.toString().endsWith(".java")).flatMap(f -> {
                try {
                    Matcher m = BRIDGE_REFERENCE.matcher(Files.readString(f));
                    Stream.Builder<String> found = Stream.builder();
                    while (m.find()) {
                        if (!m.group(1).equals("spi") && !m.group(1).equals("dingtalk")) {
                            found.add(main.relativize(f) + ": " + m.group());
                        }
                    }
                    return found.build();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
        assertThat(violations).isEmpty();
    }
}
