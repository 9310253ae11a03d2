package io.chatbridge.core.cli;

import io.chatbridge.core.Bridge;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What makes {@code run} reload: SIGHUP, and with {@code global.watch_files} a change of config.json or rules.json. */
final class ReloadTriggers {

    private static final Logger LOG = LoggerFactory.getLogger(ReloadTriggers.class);
    /** Editors write a file in several steps (truncate, write, rename): wait for them to settle. */
    private static final long SETTLE_MILLIS = 300;

    private ReloadTriggers() {
    }

    /** {@code kill -HUP <pid>} reloads, as prometheus-webhook-dingtalk and NextBridge do. */
    @SuppressWarnings("sunapi")
    static void onSighup(Bridge bridge) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                Thread reload = new Thread(bridge::reload, "reload-sighup");
                reload.setDaemon(true);
                reload.start();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.info("SIGHUP is not available on this system; reload with POST /admin/reload instead");
        }
    }

    /** Watches the directories of {@code files} and reloads when one of them changes. */
    static void watch(Bridge bridge, List<Path> files) {
        WatchService watcher;
        Set<Path> watched = new HashSet<>();
        try {
            watcher = FileSystems.getDefault().newWatchService();
            for (Path file : files) {
                Path dir = file.toAbsolutePath().getParent();
                if (watched.add(dir)) {
                    dir.register(watcher, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
                }
            }
        } catch (IOException e) {
            LOG.warn("global.watch_files: cannot watch {}: {}; reload with SIGHUP or POST /admin/reload", files,
                    e.getMessage());
            return;
        }
        Set<Path> names = new HashSet<>();
        files.forEach(f -> names.add(f.toAbsolutePath().normalize()));
        Thread thread = new Thread(() -> loop(bridge, watcher, names), "reload-watch");
        thread.setDaemon(true);
        thread.start();
        LOG.info("watching {} for changes", files);
    }

    private static void loop(Bridge bridge, WatchService watcher, Set<Path> names) {
        try (watcher) {
            while (true) {
                WatchKey key = watcher.take();
                boolean relevant = false;
                for (var event : key.pollEvents()) {
                    if (event.context() instanceof Path name
                            && names.contains(((Path) key.watchable()).resolve(name).toAbsolutePath().normalize())) {
                        relevant = true;
                    }
                }
                key.reset();
                if (relevant) {
                    // drain the burst of events one save makes, then reload once
                    TimeUnit.MILLISECONDS.sleep(SETTLE_MILLIS);
                    WatchKey more;
                    while ((more = watcher.poll()) != null) {
                        more.pollEvents();
                        more.reset();
                    }
                    bridge.reload();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ClosedWatchServiceException | IOException e) {
            LOG.debug("file watch ended: {}", e.toString());
        }
    }
}
