package dev.fovea.viz;

import dev.fovea.nn.BatchNorm2d;
import dev.fovea.nn.Branching;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Flatten;
import dev.fovea.nn.GlobalAvgPool2d;
import dev.fovea.nn.Linear;
import dev.fovea.nn.MaxPool2d;
import dev.fovea.nn.Module;
import dev.fovea.nn.ReLU;
import dev.fovea.nn.Sequential;
import dev.fovea.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Small test-local networks with branches, so the diagram tests do not depend on the model zoo:
 * residual units (Merge.ADD, identity or projection shortcut, a ReLU shared before and after the
 * addition as torchvision does), an inception module (Merge.CONCAT), and a ResNet-152-shaped stack
 * of bottleneck units with tiny widths.
 */
final class ToyNets {

    private ToyNets() {}

    /** A basic residual unit (He et al. 2016): conv-BN-ReLU-conv-BN, plus the shortcut, then ReLU. */
    static final class Residual extends Module implements Branching {
        final Conv2d conv1;
        final BatchNorm2d bn1;
        final ReLU relu;
        final Conv2d conv2;
        final BatchNorm2d bn2;
        final Sequential downsample;

        Residual(int in, int out, int stride, RandomGenerator rng) {
            conv1 = registerModule("conv1", new Conv2d(in, out, 3, stride, 1, rng));
            bn1 = registerModule("bn1", new BatchNorm2d(out));
            relu = registerModule("relu", new ReLU());
            conv2 = registerModule("conv2", new Conv2d(out, out, 3, 1, 1, rng));
            bn2 = registerModule("bn2", new BatchNorm2d(out));
            downsample = stride == 1 && in == out ? null : registerModule("downsample",
                    new Sequential(new Conv2d(in, out, 1, stride, 0, rng), new BatchNorm2d(out)));
        }

        @Override
        protected Tensor compute(Tensor x) {
            Tensor y = relu.forward(bn1.forward(conv1.forward(x)));
            y = bn2.forward(conv2.forward(y));
            Tensor shortcut = downsample == null ? x : downsample.forward(x);
            return relu.forward(y.add(shortcut));
        }

        @Override
        public List<List<Module>> branches() {
            return List.of(List.of(conv1, bn1, relu, conv2, bn2), downsample == null ? List.of() : List.of(downsample));
        }

        @Override
        public Merge merge() { return Merge.ADD; }
    }

    /** A bottleneck unit: 1x1 reduce, 3x3, 1x1 expand (x4), each with BN, plus the shortcut, then ReLU. */
    static final class Bottleneck extends Module implements Branching {
        final Sequential main;
        final Sequential downsample;
        final ReLU relu;

        Bottleneck(int in, int width, int stride, RandomGenerator rng) {
            int out = 4 * width;
            main = registerModule("main", new Sequential(
                    new Conv2d(in, width, 1, 1, 0, rng), new BatchNorm2d(width), new ReLU(),
                    new Conv2d(width, width, 3, stride, 1, rng), new BatchNorm2d(width), new ReLU(),
                    new Conv2d(width, out, 1, 1, 0, rng), new BatchNorm2d(out)));
            downsample = stride == 1 && in == out ? null : registerModule("downsample",
                    new Sequential(new Conv2d(in, out, 1, stride, 0, rng), new BatchNorm2d(out)));
            relu = registerModule("relu", new ReLU());
        }

        @Override
        protected Tensor compute(Tensor x) {
            Tensor shortcut = downsample == null ? x : downsample.forward(x);
            return relu.forward(main.forward(x).add(shortcut));
        }

        @Override
        public List<List<Module>> branches() {
            return List.of(List.of(main), downsample == null ? List.of() : List.of(downsample));
        }

        @Override
        public Merge merge() { return Merge.ADD; }
    }

    /** An inception module (Szegedy et al. 2015) with three paths concatenated along channels. */
    static final class Inception extends Module implements Branching {
        final Sequential b1;
        final Sequential b2;
        final Sequential b3;

        Inception(int in, int c1, int c3r, int c3, int pool, RandomGenerator rng) {
            b1 = registerModule("branch1", new Sequential(new Conv2d(in, c1, 1, rng), new ReLU()));
            b2 = registerModule("branch2", new Sequential(new Conv2d(in, c3r, 1, rng), new ReLU(),
                    new Conv2d(c3r, c3, 3, 1, 1, rng), new ReLU()));
            b3 = registerModule("branch3", new Sequential(new MaxPool2d(3, 1, 1), new Conv2d(in, pool, 1, rng), new ReLU()));
        }

        @Override
        protected Tensor compute(Tensor x) {
            return Tensor.concat(1, b1.forward(x), b2.forward(x), b3.forward(x));
        }

        @Override
        public List<List<Module>> branches() { return List.of(List.of(b1), List.of(b2), List.of(b3)); }

        @Override
        public Merge merge() { return Merge.CONCAT; }
    }

    /**
     * The same inception module, but its branches name the layers inside the child containers
     * rather than the containers themselves (both are valid {@link Branching} descriptions).
     */
    static final class InceptionByLayers extends Module implements Branching {
        final Inception inner;

        InceptionByLayers(RandomGenerator rng) {
            inner = new Inception(16, 8, 4, 8, 8, rng);
            registerModule("branch1", inner.b1);
            registerModule("branch2", inner.b2);
            registerModule("branch3", inner.b3);
        }

        @Override
        protected Tensor compute(Tensor x) {
            return Tensor.concat(1, inner.b1.forward(x), inner.b2.forward(x), inner.b3.forward(x));
        }

        @Override
        public List<List<Module>> branches() {
            List<List<Module>> out = new ArrayList<>();
            for (Sequential s : List.of(inner.b1, inner.b2, inner.b3)) out.add(List.copyOf(s.children().values()));
            return out;
        }

        @Override
        public Merge merge() { return Merge.CONCAT; }
    }

    /** Stem, two residual units (identity, then projection), an inception module, and a classifier; input 3x16x16. */
    static final class BranchyNet extends Module {
        final Sequential stem;
        final Residual block1;
        final Residual block2;
        final Inception inception;
        final Sequential head;

        BranchyNet(RandomGenerator rng) {
            stem = registerModule("stem", new Sequential(new Conv2d(3, 8, 3, 1, 1, rng), new BatchNorm2d(8), new ReLU()));
            block1 = registerModule("block1", new Residual(8, 8, 1, rng));
            block2 = registerModule("block2", new Residual(8, 16, 2, rng));
            inception = registerModule("inception", new Inception(16, 8, 4, 8, 8, rng));
            head = registerModule("head", new Sequential(new GlobalAvgPool2d(), new Flatten(), new Linear(24, 10, rng)));
        }

        @Override
        protected Tensor compute(Tensor x) {
            x = stem.forward(x);      // N x 8 x 16 x 16
            x = block1.forward(x);    // N x 8 x 16 x 16
            x = block2.forward(x);    // N x 16 x 8 x 8
            x = inception.forward(x); // N x 24 x 8 x 8
            return head.forward(x);   // N x 10
        }
    }

    /**
     * The layout of ResNet-152 (3, 8, 36, 3 bottleneck units: 151 convolutions and one dense layer)
     * with tiny widths, on 3x32x32 inputs, so a test can draw a very deep network quickly.
     */
    static Module deepResNet(RandomGenerator rng) {
        List<Module> layers = new ArrayList<>();
        layers.add(new Conv2d(3, 8, 3, 1, 1, rng));
        layers.add(new BatchNorm2d(8));
        layers.add(new ReLU());
        int in = 8;
        int[] units = {3, 8, 36, 3};
        int width = 2;
        for (int stage = 0; stage < units.length; stage++) {
            List<Module> blocks = new ArrayList<>();
            for (int u = 0; u < units[stage]; u++) {
                blocks.add(new Bottleneck(in, width, u == 0 && stage > 0 ? 2 : 1, rng));
                in = 4 * width;
            }
            layers.add(new Sequential(blocks));
            width *= 2;
        }
        layers.add(new GlobalAvgPool2d());
        layers.add(new Linear(in, 10, rng));
        return new Sequential(layers);
    }
}
