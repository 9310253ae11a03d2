package io.chatbridge.core.delivery;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The checks on a SQLite outbox file before it is opened, and the lock that gives it to one bridge process. */
final class SqliteFile {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteFile.class);

    private SqliteFile() {
    }

    /**
     * Watches that the database file and its {@code -wal} and {@code -shm} companions are still the files the
     * bridge opened (same device and inode). A file removed or replaced under a running bridge would otherwise take
     * every later commit with it: SQLite keeps writing into the unlinked inode, and a restart finds an empty outbox.
     * Once a file is gone the guard stays tripped: every acknowledging write fails from then on. Checked with the
     * store's connection held (its own connection closing and reopening legitimately recreates the companions).
     */
    static final class FileGuard {
        private final Path file;
        private final Path[] companions;
        private Object fileKey;
        private final Object[] companionKeys = new Object[2];
        private volatile String goneReason;

        FileGuard(Path file) {
            this.file = file.toAbsolutePath();
            this.companions = new Path[] {
                this.file.resolveSibling(this.file.getFileName() + "-wal"),
                this.file.resolveSibling(this.file.getFileName() + "-shm")};
        }

        /** Records the identity of the file as it is now (once it was created and opened); checks start here. */
        synchronized void arm() {
            fileKey = keyOf(file);
        }

        /** A connection was (re)opened: the companions may be new files, legitimately. */
        synchronized void connectionOpened() {
            companionKeys[0] = null;
            companionKeys[1] = null;
        }

        /** Why the files are no longer usable, or {@code null} while they are. */
        String goneReason() {
            return goneReason;
        }

        /** @throws StoreException naming the file once it was removed or replaced */
        synchronized void check() {
            if (goneReason == null && fileKey != null) {
                String problem = problem();
                if (problem != null) {
                    goneReason = "database file " + file + " " + problem + " while the bridge was running; new "
                            + "messages are refused (503) until the bridge is restarted";
                    LOG.error("outbox: {} (messages accepted before are still delivered from the open file; "
                            + "restore the file from a backup or restart the bridge to begin a new outbox)",
                            goneReason);
                }
            }
            if (goneReason != null) {
                throw new StoreException(goneReason, null);
            }
        }

        private String problem() {
            Object now = keyOf(file);
            if (now == null) {
                return "was deleted";
            }
            if (!fileKey.equals(now)) {
                return "was replaced by another file";
            }
            for (int i = 0; i < companions.length; i++) {
                Object key = keyOf(companions[i]);
                if (companionKeys[i] == null) {
                    companionKeys[i] = key; // first seen (SQLite creates them with the first write)
                } else if (key == null) {
                    return "lost its " + companions[i].getFileName() + " (deleted)";
                } else if (!companionKeys[i].equals(key)) {
                    return "lost its " + companions[i].getFileName() + " (replaced)";
                }
            }
            return null;
        }

        /** The file's identity (device and inode on Unix), or {@code null} when it does not exist. */
        private static Object keyOf(Path path) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                Object key = attributes.fileKey();
                return key != null ? key : attributes.creationTime();
            } catch (IOException e) {
                return null; // NoSuchFileException, or a directory we may no longer enter: gone for us either way
            }
        }
    }

    /** Refuses a directory, an unwritable file, a parent that cannot be created; creates missing directories. */
    static void check(Path file) {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new StoreException("cannot open database " + name + ": it is a directory, not a file", null);
        }
        Path parent = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new StoreException("cannot open database " + name + ": cannot create directory " + parent + " ("
                    + describe(e) + ")", e);
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new StoreException("cannot open database " + name + ": the file is not writable", null);
        }
    }

    static FileLock lockOwner(Path file) {
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
        } catch (OverlappingFileLockException e) {
            // held by this very process: fall through to the same message
        } catch (IOException e) {
            closeQuietly(channel);
            throw new StoreException("cannot open database " + file + ": cannot lock " + lockFile + " ("
                    + describe(e) + ")", e);
        }
        closeQuietly(channel);
        throw new StoreException("cannot open database " + file + ": another bridge process is using it (" + lockFile
                + " is locked); a SQLite database serves one bridge, use PostgreSQL (global.database.url) for "
                + "several replicas", null);
    }

    static String describe(IOException e) {
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name exists";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }
}
