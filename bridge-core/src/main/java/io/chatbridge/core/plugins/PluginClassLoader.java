package io.chatbridge.core.plugins;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The class loader of one plugin jar: the driver contract ({@code io.chatbridge.spi}) and the logging facade
 * ({@code org.slf4j}) come from the bridge, so that the plugin and the bridge share those types; everything else
 * comes from the jar first and then from the JDK (the platform class loader), never from the bridge. A plugin
 * therefore may bundle its own version of any library the bridge also uses (Jackson, Caffeine...), and cannot
 * reach the bridge's internals ({@code io.chatbridge.core}, the built-in drivers) or its libraries.
 */
final class PluginClassLoader extends URLClassLoader {

    /** Packages (as class name prefixes) a plugin shares with the bridge. */
    static final List<String> SHARED_PACKAGES = List.of("io.chatbridge.spi.", "org.slf4j.");
    /** What a plugin sees, for error messages. */
    static final String VISIBLE = "plugins may use only io.chatbridge.spi, org.slf4j, the JDK and their own classes";

    static {
        registerAsParallelCapable();
    }

    private final String jarName;
    private final ClassLoader bridge;

    /**
     * @param jarName the jar's file name, for messages
     * @param jar the plugin jar
     * @param bridge the loader of the bridge's own classes, asked only for the shared packages
     */
    PluginClassLoader(String jarName, URL jar, ClassLoader bridge) {
        super(jarName, new URL[] {jar}, ClassLoader.getPlatformClassLoader());
        this.jarName = jarName;
        this.bridge = bridge;
    }

    static boolean isShared(String className) {
        for (String prefix : SHARED_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSharedResource(String name) {
        String path = name.startsWith("/") ? name.substring(1) : name;
        return isShared(path.replace('/', '.'));
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> type = findLoadedClass(name);
            if (type == null) {
                if (isShared(name)) {
                    type = bridge.loadClass(name);
                } else if (name.startsWith("java.")) {
                    type = getParent().loadClass(name);
                } else {
                    try {
                        type = findClass(name);
                    } catch (ClassNotFoundException notInJar) {
                        try {
                            type = getParent().loadClass(name);
                        } catch (ClassNotFoundException notInJdk) {
                            throw new ClassNotFoundException(name + " is not visible to plugin " + jarName + " ("
                                    + VISIBLE + ")", notInJdk);
                        }
                    }
                }
            }
            if (resolve) {
                resolveClass(type);
            }
            return type;
        }
    }

    @Override
    public URL getResource(String name) {
        if (isSharedResource(name)) {
            return bridge.getResource(name);
        }
        URL own = findResource(name);
        return own != null ? own : getParent().getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (isSharedResource(name)) {
            return bridge.getResources(name);
        }
        List<URL> all = new ArrayList<>(Collections.list(findResources(name)));
        all.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(all);
    }

    @Override
    public String toString() {
        return "PluginClassLoader[" + jarName + "]";
    }
}
