package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

import java.util.List;

/** Applies its children in order; children are named "0", "1", ... as in PyTorch. */
public class Sequential extends Module {

    public Sequential(Module... layers) {
        for (Module m : layers) add(m);
    }

    public Sequential(List<? extends Module> layers) {
        for (Module m : layers) add(m);
    }

    /** Appends a layer named by its position. */
    public final Sequential add(Module layer) {
        registerModule(Integer.toString(children().size()), layer);
        return this;
    }

    public Module get(int index) {
        Module m = children().get(Integer.toString(index));
        if (m == null) {
            throw new IndexOutOfBoundsException("Sequential has " + size() + " layers; received index " + index);
        }
        return m;
    }

    public int size() { return children().size(); }

    @Override
    protected Tensor compute(Tensor x) {
        for (Module m : children().values()) x = m.forward(x);
        return x;
    }
}
