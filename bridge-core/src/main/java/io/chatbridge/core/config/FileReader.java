package io.chatbridge.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.chatbridge.spi.ConfigProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Reads a user's JSON or YAML file into plain maps and lists, turning syntax errors into located problems. */
final class FileReader {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS);

    private FileReader() {
    }

    /**
     * Parses {@code file}; on failure adds a problem naming the file, line and column and returns {@code null}.
     * The caller has checked that the file exists.
     */
    static Object read(Path file, String displayName, List<ConfigProblem> problems) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            problems.add(new ConfigProblem(displayName, "", "cannot read file: " + e.getMessage(), false));
            return null;
        }
        if (bytes.length == 0 || new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            problems.add(new ConfigProblem(displayName, "", "file is empty", false));
            return null;
        }
        try {
            return (yaml ? YAML : JSON).readValue(bytes, Object.class);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            problems.add(new ConfigProblem(displayName, "",
                    "malformed " + (yaml ? "YAML" : "JSON") + where + ": " + e.getOriginalMessage(), false));
            return null;
        } catch (IOException e) {
            problems.add(new ConfigProblem(displayName, "", "cannot read file: " + e.getMessage(), false));
            return null;
        }
    }
}
