package io.chatbridge.core.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sqlite-jdbc's native library, copied out of the jar once into a directory only this user can enter, and loaded
 * from there on every later start (sqlite-jdbc's {@code org.sqlite.lib.path} and {@code org.sqlite.lib.name}).
 *
 * <p>Left to itself, sqlite-jdbc writes the library (1 MiB) to a new file in the temporary directory at every start
 * and compares it byte by byte with the jar's copy: a fifth of a second of start-up, and a file left behind by every
 * process that does not end through a normal JVM exit (the bridge ends on SIGTERM with {@code Runtime.halt}).
 *
 * <p>The copy is named after the CRC-32 and length of the jar's bytes, and its own are checked against them before
 * every use (a copy cut short or damaged is written again); it lives
 * in {@code <org.sqlite.tmpdir or java.io.tmpdir>/chatbridge-<user>-sqlite/}, a directory that must be this user's,
 * not a symbolic link, and closed to everyone else (it is created so). When anything does not fit (not a POSIX file
 * system, another owner, a read-only directory), or when the operator set either property, nothing is changed and
 * sqlite-jdbc extracts the library as it always did.
 */
final class SqliteNativeLibrary {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteNativeLibrary.class);
    static final String PATH_PROPERTY = "org.sqlite.lib.path";
    static final String NAME_PROPERTY = "org.sqlite.lib.name";
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rwx------");

    private static boolean prepared;

    private SqliteNativeLibrary() {
    }

    /** Points sqlite-jdbc at the cached copy, once per process, before its first connection. Never throws. */
    static synchronized void prepare() {
        if (prepared) {
            return;
        }
        prepared = true;
        if (System.getProperty(PATH_PROPERTY) != null || System.getProperty(NAME_PROPERTY) != null) {
            return; // the operator's own choice
        }
        try {
            String resource = org.sqlite.util.LibraryLoaderUtil.getNativeLibResourcePath() + "/"
                    + org.sqlite.util.LibraryLoaderUtil.getNativeLibName();
            byte[] library;
            try (InputStream in = org.sqlite.util.LibraryLoaderUtil.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return; // no library for this platform in the jar: sqlite-jdbc looks elsewhere and says so
                }
                library = in.readAllBytes();
            }
            String base = System.getProperty("org.sqlite.tmpdir", System.getProperty("java.io.tmpdir"));
            Path copy = cachedCopy(Path.of(base).resolve(directoryName(System.getProperty("user.name"))),
                    org.sqlite.util.LibraryLoaderUtil.getNativeLibName(), library);
            if (copy != null) {
                System.setProperty(PATH_PROPERTY, copy.getParent().toString());
                System.setProperty(NAME_PROPERTY, copy.getFileName().toString());
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("sqlite-jdbc extracts its native library itself: {}", e.toString());
        }
    }

    /** {@code chatbridge-<user>-sqlite}, the user name reduced to characters safe in a file name. */
    static String directoryName(String user) {
        String safe = user == null || user.isBlank() ? "user" : user.replaceAll("[^A-Za-z0-9._-]", "_");
        return "chatbridge-" + safe + "-sqlite";
    }

    /**
     * The copy of {@code library} in {@code dir}, written when missing or different; {@code null} when {@code dir}
     * is not a private directory of this user (or cannot be made one).
     */
    static Path cachedCopy(Path dir, String libraryName, byte[] library) throws IOException {
        if (!privateDirectory(dir)) {
            return null;
        }
        long crc = crc32(library);
        Path copy = dir.resolve(String.format(Locale.ROOT, "%08x-%d-%s", crc, library.length, libraryName));
        if (Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS) && Files.size(copy) == library.length
                && crc32(Files.readAllBytes(copy)) == crc) {
            return copy;
        }
        Path written = Files.createTempFile(dir, "writing-", ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        try {
            Files.write(written, library);
            Files.move(written, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(written);
        }
        return copy;
    }

    /** Whether {@code dir} has the sticky bit (as {@code /tmp}): only an entry's owner may rename or delete it. */
    private static boolean sticky(Path dir) {
        try {
            return Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS) instanceof Integer mode
                    && (mode & 01000) != 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static long crc32(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }

    /** Whether {@code dir} is (or was just created as) a directory of this user that no one else may enter. */
    private static boolean privateDirectory(Path dir) throws IOException {
        Path parent = dir.getParent();
        if (Files.getFileAttributeView(parent, PosixFileAttributeView.class) == null) {
            return false;
        }
        Set<PosixFilePermission> parentPermissions = Files.getPosixFilePermissions(parent);
        if ((parentPermissions.contains(PosixFilePermission.GROUP_WRITE)
                || parentPermissions.contains(PosixFilePermission.OTHERS_WRITE)) && !sticky(parent)) {
            // others may rename our directory away and put theirs in its place between the check and the load
            return false;
        }
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
        } catch (FileAlreadyExistsException e) {
            // checked below, as a directory found there
        }
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory() || !attributes.permissions().equals(OWNER_ONLY_DIRECTORY)) {
            return false;
        }
        // the owner of a file created just now is this process's user, whatever its name
        Path probe = Files.createTempFile(dir, "owner-", ".tmp");
        try {
            return Files.getOwner(probe, LinkOption.NOFOLLOW_LINKS).equals(attributes.owner());
        } finally {
            Files.deleteIfExists(probe);
        }
    }
}
