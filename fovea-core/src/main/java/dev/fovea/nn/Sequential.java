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
        Module[] layers = children().values().toArray(new Module[0]);
        for (int i = 0; i < layers.length; i++) {
            // a batch norm reads only the convolution before it, a ReLU only the batch norm
            if (layers[i] instanceof Conv2d conv && i + 1 < layers.length && layers[i + 1] instanceof BatchNorm2d bn) {
                if (i + 2 < layers.length && layers[i + 2] instanceof ReLU relu) {
                    x = BatchNormFolding.convolveNormalizeAndRectify(conv, bn, relu, x);
                    i += 2;
                } else {
                    x = BatchNormFolding.convolveAndNormalize(conv, bn, x);
                    i++;
                }
            } else {
                x = layers[i].forward(x);
            }
        }
        return x;
    }
}
