package io.chatbridge.core.plugins;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Finds a plugin's references to the bridge's internals before it is loaded, by reading the constant pools of the
 * jar's classes: a class of the jar that names a class under {@code io.chatbridge} outside {@code io.chatbridge.spi}
 * and not in the jar itself would fail with a {@link NoClassDefFoundError} at some later point (the
 * {@link PluginClassLoader} does not show it); this way the plugin fails at start-up, with its file name and the
 * class it wanted.
 */
final class PluginJarCheck {

    private static final String BRIDGE = "io/chatbridge/";
    private static final String SPI = "io/chatbridge/spi/";

    private PluginJarCheck() {
    }

    /**
     * The first reference to a hidden bridge class, as {@code "com.example.Foo uses io.chatbridge.core.Bar"}, or
     * empty when there is none.
     *
     * @throws IOException when the jar or one of its classes cannot be read
     */
    static Optional<String> hiddenBridgeReference(JarFile jar) throws IOException {
        List<JarEntry> classes = new ArrayList<>();
        Set<String> own = new HashSet<>();
        for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
            JarEntry entry = entries.nextElement();
            String name = entry.getName();
            if (name.endsWith(".class") && !name.endsWith("module-info.class")) {
                classes.add(entry);
                own.add(internalName(name));
            }
        }
        for (JarEntry entry : classes) {
            byte[] bytes;
            try (InputStream in = jar.getInputStream(entry)) {
                bytes = in.readAllBytes();
            }
            for (String referenced : bridgeNames(bytes, entry.getName())) {
                if (!referenced.startsWith(SPI) && !own.contains(referenced)) {
                    return Optional.of(internalName(entry.getName()).replace('/', '.') + " uses "
                            + referenced.replace('/', '.'));
                }
            }
        }
        return Optional.empty();
    }

    /** {@code META-INF/versions/11/com/x/A.class} → {@code com/x/A}. */
    private static String internalName(String entryName) {
        String name = entryName.substring(0, entryName.length() - ".class".length());
        if (name.startsWith("META-INF/versions/")) {
            int slash = name.indexOf('/', "META-INF/versions/".length());
            name = slash < 0 ? name : name.substring(slash + 1);
        }
        return name;
    }

    /** Every class name under {@code io/chatbridge/} the constant pool mentions (in class entries or descriptors). */
    private static Set<String> bridgeNames(byte[] classFile, String entryName) throws IOException {
        Set<String> found = new HashSet<>();
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException(entryName + " is not a class file");
        }
        in.readUnsignedShort(); // minor
        in.readUnsignedShort(); // major
        int count = in.readUnsignedShort();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> collect(in.readUTF(), found);
                case 3, 4 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++; // takes two slots
                }
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 15 -> in.skipNBytes(3);
                default -> throw new IOException(entryName + ": unknown constant pool tag " + tag);
            }
        }
        return found;
    }

    private static void collect(String utf8, Set<String> found) {
        int at = utf8.indexOf(BRIDGE);
        while (at >= 0) {
            // a class entry starts with the name; a descriptor has it after 'L'
            if (at == 0 || utf8.charAt(at - 1) == 'L') {
                int end = at;
                while (end < utf8.length() && (Character.isJavaIdentifierPart(utf8.charAt(end))
                        || utf8.charAt(end) == '/')) {
                    end++;
                }
                found.add(utf8.substring(at, end));
            }
            at = utf8.indexOf(BRIDGE, at + BRIDGE.length());
        }
    }
}
