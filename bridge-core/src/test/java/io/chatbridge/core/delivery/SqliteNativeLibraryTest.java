package io.chatbridge.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sqlite-jdbc's native library, copied once into a private directory instead of at every start. */
class SqliteNativeLibraryTest {

    @TempDir
    Path tmp;

    private final byte[] library = "\u007fELF pretend shared object ".repeat(1000).getBytes();

    @Test
    void theFirstStartWritesTheCopyIntoADirectoryOnlyThisUserMayEnterAndLaterStartsReuseIt() throws Exception {
        Path dir = tmp.resolve("chatbridge-me-sqlite");
        Path copy = SqliteNativeLibrary.cachedCopy(dir, "libsqlitejdbc.so", library);
        assertThat(copy).isNotNull().hasParent(dir).hasBinaryContent(library);
        assertThat(copy.getFileName().toString()).endsWith("-" + library.length + "-libsqlitejdbc.so");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy))).startsWith("rw").endsWith("------");
        FileTime written = FileTime.from(Instant.parse("2026-01-01T00:00:00Z"));
        Files.setLastModifiedTime(copy, written);

        assertThat(SqliteNativeLibrary.cachedCopy(dir, "libsqlitejdbc.so", library)).isEqualTo(copy);
        assertThat(Files.getLastModifiedTime(copy)).as("not written again").isEqualTo(written);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(copy);
        }
    }

    @Test
    void aCopyCutShortOrDamagedIsWrittenAgainAndAnotherLibraryGetsItsOwnFile() throws Exception {
        Path dir = tmp.resolve("cache");
        Path copy = SqliteNativeLibrary.cachedCopy(dir, "libsqlitejdbc.so", library);
        Files.write(copy, Arrays.copyOf(library, 100));
        assertThat(SqliteNativeLibrary.cachedCopy(dir, "libsqlitejdbc.so", library)).isEqualTo(copy);
        assertThat(copy).hasBinaryContent(library);
        byte[] damaged = library.clone();
        damaged[500] ^= 1;
        Files.write(copy, damaged);
        assertThat(SqliteNativeLibrary.cachedCopy(dir, "libsqlitejdbc.so", library)).isEqualTo(copy);
        assertThat(copy).hasBinaryContent(library);

        byte[] upgraded = "another version".repeat(100).getBytes();
        Path other = SqliteNativeLibrary.cachedCopy(dir, "libsqlitejdbc.so", upgraded);
        assertThat(other).isNotEqualTo(copy).hasBinaryContent(upgraded);
        assertThat(copy).hasBinaryContent(library);
    }

    @Test
    void aDirectoryOthersMayEnterOrASymbolicLinkIsNotUsed() throws Exception {
        Path open = Files.createDirectory(tmp.resolve("open"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(SqliteNativeLibrary.cachedCopy(open, "libsqlitejdbc.so", library)).isNull();
        try (var files = Files.list(open)) {
            assertThat(files).isEmpty();
        }

        Path target = Files.createDirectory(tmp.resolve("target"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        assertThat(SqliteNativeLibrary.cachedCopy(link, "libsqlitejdbc.so", library)).isNull();
        try (var files = Files.list(target)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void theDirectoryIsNamedAfterTheUserInCharactersSafeForAFileName() {
        assertThat(SqliteNativeLibrary.directoryName("bridge")).isEqualTo("chatbridge-bridge-sqlite");
        assertThat(SqliteNativeLibrary.directoryName("../evil user")).isEqualTo("chatbridge-.._evil_user-sqlite");
        assertThat(SqliteNativeLibrary.directoryName(null)).isEqualTo("chatbridge-user-sqlite");
    }

    @Test
    void theBridgesStoreLoadsSqliteFromThePrivateCopy() throws Exception {
        // whichever test opened SQLite first in this JVM prepared the properties; opening one here makes sure
        try (JdbcDeliveryStore store = JdbcDeliveryStore.openSqlite(tmp.resolve("outbox.db"), false)) {
            assertThat(store.stats(Instant.now()).pending()).isZero();
        }
        String path = System.getProperty(SqliteNativeLibrary.PATH_PROPERTY);
        String name = System.getProperty(SqliteNativeLibrary.NAME_PROPERTY);
        assertThat(path).endsWith(SqliteNativeLibrary.directoryName(System.getProperty("user.name")));
        assertThat(Path.of(path, name)).isRegularFile();
        assertThat(Files.size(Path.of(path, name))).isGreaterThan(100_000);
    }

    @Test
    void aParentDirectoryOthersMayWriteIsUsedOnlyWithTheStickyBit() throws Exception {
        Path open = java.nio.file.Files.createDirectory(tmp.resolve("open"));
        chmod("777", open);
        assertThat(SqliteNativeLibrary.cachedCopy(open.resolve("chatbridge-u-sqlite"), "libsqlitejdbc.so", library))
                .as("world-writable without the sticky bit: left to sqlite-jdbc").isNull();
        chmod("1777", open);
        assertThat(SqliteNativeLibrary.cachedCopy(open.resolve("chatbridge-u-sqlite"), "libsqlitejdbc.so", library))
                .as("like /tmp").isNotNull();
    }

    private static void chmod(String mode, Path path) throws Exception {
        Process p = new ProcessBuilder("chmod", mode, path.toString()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
    }
}
