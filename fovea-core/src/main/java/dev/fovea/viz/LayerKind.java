package dev.fovea.viz;

import dev.fovea.models.Summary;
import dev.fovea.nn.Module;

import java.util.Locale;
import java.util.Set;

/**
 * What a box in a diagram stands for, which decides its colour: the colour families of the figures
 * in the papers and in courses (convolutions blue, pooling orange, normalisation yellow, activations
 * green, dense layers purple), light fills with a darker border so black text stays readable.
 */
enum LayerKind {
    INPUT("input", "#f4f4f4", "#8a8a8a"),
    CONV("conv", "#d6e6f7", "#3f78b5"),
    POOL("pool", "#fde0cc", "#cc7a3e"),
    NORM("norm", "#fff1bd", "#bf9a1a"),
    ACTIVATION("activation", "#dcf0d5", "#539445"),
    DENSE("dense", "#e6daf2", "#7d59a6"),
    OTHER("other", "#ececec", "#9a9a9a");

    /** Legend text. */
    final String label;
    final String fill;
    final String stroke;

    LayerKind(String label, String fill, String stroke) {
        this.label = label;
        this.fill = fill;
        this.stroke = stroke;
    }

    /** Element-wise non-linearities, by simple class name (the summary uses the same list). */
    private static final Set<String> ACTIVATIONS = Set.of("ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "GELU",
            "SiLU", "Tanh", "Sigmoid", "Hardtanh", "Softplus", "Softmax", "LogSoftmax");

    /**
     * The kind of a leaf module: by class name first (so application layers named like PyTorch's are
     * recognised), then by what the summary measured (a layer with multiply-adds and a kernel is a
     * convolution; with multiply-adds and no kernel, a dense layer).
     */
    static LayerKind of(Module module, Summary.Row row) {
        String name = module == null ? row.type() : module.getClass().getSimpleName();
        if (ACTIVATIONS.contains(name)) return ACTIVATION;
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.contains("conv")) return CONV;
        if (lower.contains("pool")) return POOL;
        if (lower.contains("norm")) return NORM;
        if (lower.equals("linear") || lower.contains("dense")) return DENSE;
        if (row.macs() > 0) return row.kernel().equals("-") ? DENSE : CONV;
        if (!row.kernel().equals("-")) return POOL;
        return OTHER;
    }
}
