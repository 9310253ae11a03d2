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

    /**
     * The lock that gives a database file to one bridge process, held for the store's life: an OS lock
     * ({@code fcntl} on Unix, so it stops any other process, and a second store in this JVM too) on
     * {@code <real path>.lock}, so a symlinked name, which resolves to the same real path, meets the same lock. A
     * hard link is the same file under another name with its own {@code -wal} and {@code -shm} (two bridges on the
     * two names would corrupt it), so a database file with more than one name is refused. (Locking a byte of the
     * database file itself does not work: SQLite releases every {@code fcntl} lock its process holds on the file
     * each time it unlocks it.) The lock file names its owner ({@code pid}, path) for a second bridge's refusal.
     */
    static final class OwnerLock implements AutoCloseable {

        private final Path file;
        private final FileLock lockFile;

        private OwnerLock(Path file, FileLock lockFile) {
            this.file = file;
            this.lockFile = lockFile;
        }

        /**
         * Takes the lock for {@code file} or refuses, naming the process that holds it.
         *
         * @throws StoreException when another bridge process (or store in this JVM) holds the file, or the file has
         *     several names
         */
        static OwnerLock take(Path file) {
            Path real = realPath(file);
            Path lockPath = real.resolveSibling(real.getFileName() + ".lock");
            FileChannel lockChannel = null;
            try {
                lockChannel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                FileLock lock = tryLock(lockChannel);
                if (lock == null) {
                    closeQuietly(lockChannel);
                    throw refused(file, ownerOf(lockPath), lockPath + " is locked");
                }
                int links = links(real);
                if (links > 1) {
                    lock.release();
                    closeQuietly(lockChannel);
                    String owner = ownerOfOtherName(real);
                    throw new StoreException("cannot open database " + file + ": the file has " + links
                            + " names (hard links)" + (owner == null ? "" : "; another bridge process is using it ("
                            + owner + ")") + "; a SQLite database must have one name, or a bridge on each name "
                            + "would corrupt it: remove the other links", null);
                }
                writeOwner(lockChannel, file);
                return new OwnerLock(file, lock);
            } catch (IOException e) {
                closeQuietly(lockChannel);
                throw new StoreException("cannot open database " + file + ": cannot lock " + lockPath + " ("
                        + describe(e) + ")", e);
            }
        }

        @Override
        public synchronized void close() {
            try {
                lockFile.release();
            } catch (IOException e) {
                LOG.debug("outbox: releasing the lock of {}: {}", file, e.toString());
            }
            closeQuietly(lockFile.channel());
        }

        private static int links(Path real) {
            try {
                return Files.exists(real) ? ((Number) Files.getAttribute(real, "unix:nlink")).intValue() : 1;
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                return 1; // not a Unix file system: no hard links to fear
            }
        }

        private static FileLock tryLock(FileChannel channel) throws IOException {
            try {
                return channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return null; // held by this very process (another store on the same file)
            }
        }

        private static Path realPath(Path file) {
            Path absolute = file.toAbsolutePath();
            try {
                if (Files.exists(absolute)) {
                    return absolute.toRealPath();
                }
                return absolute.getParent().toRealPath().resolve(absolute.getFileName());
            } catch (IOException e) {
                return absolute.normalize();
            }
        }

        private static void writeOwner(FileChannel channel, Path file) throws IOException {
            byte[] owner = ("pid " + ProcessHandle.current().pid() + "\npath " + file.toAbsolutePath() + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            channel.truncate(0);
            channel.write(java.nio.ByteBuffer.wrap(owner), 0);
            channel.force(false);
        }

        /** {@code pid 123, /srv/bridge.db} from a lock file, or {@code null}. */
        private static String ownerOf(Path lockPath) {
            try {
                String pid = null;
                String path = null;
                for (String line : Files.readAllLines(lockPath)) {
                    if (line.startsWith("pid ")) {
                        pid = line.substring(4).strip();
                    } else if (line.startsWith("path ")) {
                        path = line.substring(5).strip();
                    }
                }
                return pid == null || path == null ? null : "pid " + pid + ", " + path;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /** The owner recorded beside another name of the same file in the same directory (a hard link). */
        private static String ownerOfOtherName(Path real) {
            try (var siblings = Files.newDirectoryStream(real.getParent())) {
                Object key = Files.readAttributes(real, BasicFileAttributes.class).fileKey();
                for (Path sibling : siblings) {
                    if (!sibling.equals(real) && Files.isRegularFile(sibling) && key != null
                            && key.equals(Files.readAttributes(sibling, BasicFileAttributes.class).fileKey())) {
                        String owner = ownerOf(sibling.resolveSibling(sibling.getFileName() + ".lock"));
                        if (owner != null) {
                            return owner;
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the message goes without the owner
            }
            return null;
        }

        private static StoreException refused(Path file, String owner, String how) {
            return new StoreException("cannot open database " + file + ": another bridge process is using it ("
                    + (owner == null ? "" : owner + "; ") + how + "); a SQLite database serves one bridge, use "
                    + "PostgreSQL (global.database.url) for several replicas", null);
        }
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
