package dev.specdec.target;

/** The transformer families specdec runs, by their GGUF {@code general.architecture} names. */
public enum Architecture {
    LLAMA("llama"), QWEN2("qwen2"), GEMMA("gemma"), GEMMA2("gemma2"), PHI3("phi3");

    private final String ggufName;

    Architecture(String ggufName) { this.ggufName = ggufName; }

    public String ggufName() { return ggufName; }

    public static Architecture byName(String name) {
        for (Architecture a : values()) if (a.ggufName.equals(name)) return a;
        return null;
    }
}
