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

/** The checks on a SQLite outbox file before it is opened, and the lock that gives it to one bridge process. */
final class SqliteFile {

    private SqliteFile() {
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
