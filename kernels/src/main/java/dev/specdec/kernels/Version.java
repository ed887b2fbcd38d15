package dev.specdec.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * specdec's version, as the pom states it: Maven writes it into {@code version.properties} (resource
 * filtering, kernels/pom.xml), so the command's {@code --version}, sweep manifests and anything else
 * that records a version read the one number the build was made from.
 */
public final class Version {
    private Version() {}

    /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static final String CURRENT = read();

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) throw new IllegalStateException("version.properties is missing: build specdec with Maven");
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version");
            if (v == null || v.isBlank() || v.startsWith("${"))
                throw new IllegalStateException("version.properties was not filtered: " + v);
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException("reading version.properties", e);
        }
    }
}
