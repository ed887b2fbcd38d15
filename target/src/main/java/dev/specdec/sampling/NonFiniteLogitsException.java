package dev.specdec.sampling;

/**
 * A row of logits holds NaN or Inf. The model computes garbage (almost always NaN or Inf in its
 * weights), and greedy decoding would emit token 0 forever: generation stops instead, naming the
 * position. Embedders find the tensor by loading with {@code LoadOptions.checkTensors}.
 */
public final class NonFiniteLogitsException extends IllegalStateException {
    private final int position;
    private final int token;

    /**
     * @param model    which model the logits came from ("the target", "draft x.gguf")
     * @param position the position the logits are for: how many tokens precede it
     * @param token    the first token whose logit is not finite
     */
    public NonFiniteLogitsException(String model, int position, int token, float value) {
        super("the logits of " + model + " for position " + position + " are not finite (" + value + " for token "
                + token + "): its weights probably hold NaN or Inf; load it with --check-tensors to find the tensor");
        this.position = position;
        this.token = token;
    }

    public int position() {
        return position;
    }

    public int token() {
        return token;
    }
}
