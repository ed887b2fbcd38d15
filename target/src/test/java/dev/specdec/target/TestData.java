package dev.specdec.target;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The reference data in ../shared/testdata. Missing data skips the test with a message, except
 * under CI=true, where it is a failure.
 */
public final class TestData {
    private TestData() {}

    public static final ObjectMapper JSON = new ObjectMapper();

    public static Path root() {
        String prop = System.getProperty("specdec.testdata");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "..", "shared", "testdata");
        if (!Files.isDirectory(p.resolve("models"))) {
            String msg = "reference test data not found at "
                    + p.toAbsolutePath().normalize() + " (expected ../shared/testdata beside the project)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) Assertions.fail(msg);
            Assumptions.abort(msg);
        }
        return p;
    }

    public static Path model(String name) {
        return root().resolve("models").resolve(name);
    }

    public static Path ref(String name) {
        return root().resolve("refs").resolve(name);
    }

    public static JsonNode json(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static float[] floats(Path p) {
        try {
            byte[] b = Files.readAllBytes(p);
            float[] f = new float[b.length / 4];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode arr) {
        int[] r = new int[arr.size()];
        for (int i = 0; i < r.length; i++) r[i] = arr.get(i).asInt();
        return r;
    }
}
