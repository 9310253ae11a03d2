package io.chatbridge.spi;

/**
 * One problem found in a user's file.
 *
 * @param file the file name as the user gave it, e.g. {@code config.json}
 * @param path the JSON path inside the file, e.g. {@code dingtalk.dt_main.app_secret}; empty for the whole file
 * @param message what is wrong and, where possible, what to do, e.g. {@code required}
 * @param warning {@code true} for a warning that does not stop the bridge
 */
public record ConfigProblem(String file, String path, String message, boolean warning) {

    /** Renders the problem the way the CLI prints it: {@code config.json: dingtalk.dt_main.app_secret: required}. */
    @Override
    public String toString() {
        return path.isEmpty() ? file + ": " + message : file + ": " + path + ": " + message;
    }
}
