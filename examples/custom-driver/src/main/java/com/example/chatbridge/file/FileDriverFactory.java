package com.example.chatbridge.file;

import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigNode;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverFactory;
import java.nio.file.Path;
import java.util.Set;

/**
 * Platform {@code "file"}: every message routed to an instance is appended as one JSON line to {@code path};
 * with {@code listen_port} set, text POSTed to {@code listen_path} (default {@code /file/<instance>}) is routed.
 *
 * <pre>{@code
 * "file": { "journal": { "path": "messages.jsonl", "listen_port": 8095 } }
 * }</pre>
 */
public final class FileDriverFactory implements DriverFactory {

    @Override
    public String platform() {
        return "file";
    }

    @Override
    public Driver create(DriverConfig config) {
        ConfigNode settings = config.settings();
        settings.warnUnknownKeys(Set.of("path", "listen_port", "listen_path"));
        String path = settings.requireString("path");
        int port = settings.integer("listen_port", -1, 0, 65535);
        String listenPath = settings.string("listen_path", "/file/" + config.instanceId());
        if (!listenPath.startsWith("/")) {
            settings.get("listen_path").problem("must start with '/'");
        }
        for (ChannelUse use : config.uses()) {
            if (use.role().receives() && port < 0) {
                use.address().problem("instance \"" + config.instanceId()
                        + "\" receives nothing: set listen_port to route messages from it");
            }
            for (String key : use.address().keys()) {
                if (!key.equals("topic")) {
                    use.address().get(key).problem("unknown channel key; the file driver knows \"topic\"");
                }
            }
        }
        Path file = path == null ? null : config.baseDirectory().resolve(path);
        return new FileDriver(file, port, listenPath);
    }
}
