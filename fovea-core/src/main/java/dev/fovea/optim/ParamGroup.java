package dev.fovea.optim;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of parameters trained with their own learning rate (and, optionally, their own L2 weight
 * decay), as in PyTorch's {@code param_groups}. The usual fine-tuning recipe gives a pretrained
 * backbone a small rate and a freshly initialised head a larger one:
 * <pre>{@code
 * var opt = new Sgd(
 *         new ParamGroup(backbone.parameters(), 1e-4),
 *         new ParamGroup(head.parameters(), 1e-2))
 *     .momentum(0.9);
 * }</pre>
 *
 * <p>This record is the specification an optimizer is built from; the optimizer keeps its own
 * current learning rate per group ({@link Optimizer#lr(int)}), so schedules never mutate it.
 *
 * @param params the tensors of the group (leaves; order defines their index in the optimizer state)
 * @param lr the group's initial learning rate ({@code >= 0})
 * @param weightDecay the group's coupled L2 coefficient, or {@code NaN} to use the optimizer's
 *     {@link Optimizer#weightDecay()} (e.g. {@code 0} for biases and batch-norm parameters)
 */
public record ParamGroup(List<Tensor> params, double lr, double weightDecay) {

    /** Validates and copies {@code params}. */
    public ParamGroup {
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException("ParamGroup expects at least one parameter; received "
                    + (params == null ? "null" : "an empty list"));
        }
        Map<Tensor, Integer> seen = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (p == null) {
                throw new IllegalArgumentException("ParamGroup expects non-null parameters; received null at index " + i);
            }
            if (!p.isLeaf()) {
                throw new IllegalArgumentException("ParamGroup expects leaf tensors (parameters); received a computed "
                        + "tensor of shape " + Shapes.str(p.shape()) + " at index " + i + "; use detach()");
            }
            Integer previous = seen.put(p, i);
            if (previous != null) {
                throw new IllegalArgumentException("ParamGroup expects each parameter once; received the tensor of shape "
                        + Shapes.str(p.shape()) + " at indices " + previous + " and " + i);
            }
        }
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("ParamGroup expects a finite learning rate >= 0; received lr=" + lr);
        }
        if (!Double.isNaN(weightDecay) && (weightDecay < 0 || Double.isInfinite(weightDecay))) {
            throw new IllegalArgumentException("ParamGroup expects weightDecay >= 0 (or NaN for the optimizer's); "
                    + "received weightDecay=" + weightDecay);
        }
        params = List.copyOf(params);
    }

    /** A group that uses the optimizer's weight decay. */
    public ParamGroup(List<Tensor> params, double lr) {
        this(params, lr, Double.NaN);
    }

    /** True when this group overrides the optimizer's weight decay. */
    public boolean hasOwnWeightDecay() {
        return !Double.isNaN(weightDecay);
    }
}
