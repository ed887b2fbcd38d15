package dev.specdec.target;

import static dev.specdec.target.ArchitectureProfile.differingFromLlama;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The transformer families specdec runs, by their GGUF {@code general.architecture} names, each
 * with its {@link ArchitectureProfile}: adding an architecture is one line here (plus, when it
 * needs a mechanism no profile has yet, a new profile field and its switch point in the forward pass).
 */
public enum Architecture {
    LLAMA("llama", differingFromLlama().build()),
    QWEN2("qwen2", differingFromLlama().neoxRope().qkvBias().build()),
    GEMMA(
            "gemma",
            differingFromLlama()
                    .neoxRope()
                    .geluTanh()
                    .scaledEmbeddings()
                    .tiedOutput()
                    .build()),
    GEMMA2(
            "gemma2",
            differingFromLlama()
                    .neoxRope()
                    .geluTanh()
                    .scaledEmbeddings()
                    .tiedOutput()
                    .postNorms()
                    .softCaps(50f, 30f)
                    .slidingWindow(4096, true)
                    .queryScale(ArchitectureProfile.QueryScale.GEMMA2)
                    .build()),
    PHI3(
            "phi3",
            differingFromLlama()
                    .neoxRope()
                    .fusedQkv()
                    .fusedGateUp()
                    .slidingWindow(0, false)
                    .build());

    private final String ggufName;
    private final ArchitectureProfile profile;

    Architecture(String ggufName, ArchitectureProfile profile) {
        this.ggufName = ggufName;
        this.profile = profile;
    }

    public String ggufName() {
        return ggufName;
    }

    public ArchitectureProfile profile() {
        return profile;
    }

    /** The architecture with this GGUF name, or null. */
    public static Architecture byName(String name) {
        for (Architecture a : values()) if (a.ggufName.equals(name)) return a;
        return null;
    }

    /** The supported GGUF names, comma-separated, for messages. */
    public static String supportedNames() {
        return Arrays.stream(values()).map(Architecture::ggufName).collect(Collectors.joining(", "));
    }
}
