package dev.specdec.bench.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/** What produced a sweep: version, command line, model files (size, SHA-256), machine, date. */
public final class Manifest {
    private Manifest() {}

    public static String create(String version, List<String> commandLine, List<Path> files) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
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
        ObjectNode mach = m.putObject("machine");
        dev.specdec.kernels.CpuInfo cpu = dev.specdec.kernels.CpuInfo.current();
        mach.put("cpu", cpu.model());
        var flags = mach.putArray("cpu_flags");
        cpu.relevantFlags().forEach(flags::add);
        mach.put("cores", Runtime.getRuntime().availableProcessors());
        mach.put("vector", dev.specdec.kernels.Vectors.describe());
        mach.put("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
        mach.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("date", Instant.now().toString());
        return json.writeValueAsString(m);
    }

    static String sha256(Path f) throws IOException {
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
