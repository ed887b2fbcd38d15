package dev.specdec.bench.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What produced a sweep: version, command line, model files (size, SHA-256), the settings that
 * decide what its runs mean (flag name to value), machine, date. A sweep is resumed only with the
 * same files and settings: {@link #differences} says what changed.
 */
public final class Manifest {
    private Manifest() {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static String create(
            String version, List<String> commandLine, List<Path> files, Map<String, String> settings)
            throws IOException {
        ObjectMapper json = JSON;
        ObjectNode m = json.createObjectNode();
        m.put("specdec_version", version);
        var cl = m.putArray("command_line");
        commandLine.forEach(cl::add);
        var fs = m.putArray("files");
        for (Path f : files) {
            ObjectNode o = fs.addObject();
            o.put("path", f.toAbsolutePath().toString());
            o.put("bytes", Files.size(f));
            o.put("sha256", sha256(f));
        }
        ObjectNode st = m.putObject("settings");
        settings.forEach(st::put);
        ObjectNode mach = m.putObject("machine");
        dev.specdec.kernels.CpuInfo cpu = dev.specdec.kernels.CpuInfo.current();
        mach.put("cpu", cpu.model());
        var flags = mach.putArray("cpu_flags");
        cpu.relevantFlags().forEach(flags::add);
        mach.put("cores", Runtime.getRuntime().availableProcessors());
        mach.put("vector", dev.specdec.kernels.Vectors.describe());
        mach.put("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
        mach.put(
                "os",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        m.put("date", Instant.now().toString());
        return json.writeValueAsString(m);
    }

    /**
     * What differs between the manifest of an existing sweep and one made now, in words (empty when
     * nothing does): the model files by name, size and SHA-256 (not by path: a moved file is the
     * same model), then each setting. A manifest from before settings were recorded is compared
     * by its files only.
     */
    public static List<String> differences(String existing, String now) throws IOException {
        JsonNode a = JSON.readTree(existing), b = JSON.readTree(now);
        List<String> d = new ArrayList<>();
        List<String> fa = files(a), fb = files(b);
        if (!fa.equals(fb)) d.add("the models differ: the sweep has " + fa + ", this command " + fb);
        JsonNode sa = a.path("settings"), sb = b.path("settings");
        if (sa.isObject()) {
            for (var it = sb.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                String was = sa.path(k).asText("(not set)"), is = sb.path(k).asText();
                if (!was.equals(is)) d.add(k + " was " + was + ", now " + is);
            }
        }
        return d;
    }

    private static List<String> files(JsonNode m) {
        List<String> r = new ArrayList<>();
        for (JsonNode f : m.path("files")) {
            r.add(Path.of(f.path("path").asText()).getFileName() + " ("
                    + f.path("bytes").asLong() + " bytes, sha256 "
                    + f.path("sha256")
                            .asText()
                            .substring(0, Math.min(12, f.path("sha256").asText().length())) + ")");
        }
        return r;
    }

    public static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
