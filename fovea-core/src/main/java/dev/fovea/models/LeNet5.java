package dev.fovea.models;

import dev.fovea.nn.AvgPool2d;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Flatten;
import dev.fovea.nn.Linear;
import dev.fovea.nn.Module;
import dev.fovea.nn.Tanh;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.random.RandomGenerator;

/**
 * LeNet-5, the convolutional network of LeCun, Bottou, Bengio and Haffner,
 * <a href="http://yann.lecun.com/exdb/publis/pdf/lecun-98.pdf">Gradient-based learning applied to
 * document recognition</a> (Proc. IEEE, 1998), in the form most courses teach it.
 *
 * <pre>
 *   layer   what                          output (per sample)   parameters
 *   input   1 x 32x32 (28x28 is padded 2) 1 x 32 x 32
 *   C1      conv 6 @ 5x5, tanh            6 x 28 x 28           (5*5*1 + 1)*6    =    156
 *   S2      avg-pool 2x2, stride 2        6 x 14 x 14           0
 *   C3      conv 16 @ 5x5, tanh           16 x 10 x 10          (5*5*6 + 1)*16   =  2,416
 *   S4      avg-pool 2x2, stride 2        16 x 5 x 5            0
 *   C5      conv 120 @ 5x5, tanh          120 x 1 x 1           (5*5*16 + 1)*120 = 48,120
 *   F6      linear 84, tanh               84                    (120 + 1)*84     = 10,164
 *   output  linear numClasses             numClasses            (84 + 1)*10      =    850
 *                                                                          total = 61,706
 * </pre>
 *
 * <p>Deviations from the paper, all the common teaching simplifications:
 * <ul>
 *   <li>C3 connects every one of its 16 maps to all 6 S2 maps. The paper's Table I connects each
 *       map to only 3, 4 or 6 of them (1,516 parameters instead of 2,416) to break symmetry and
 *       save computation; with random initialisation full connection works as well.</li>
 *   <li>S2/S4 are plain 2x2 averages. In the paper each sub-sampling map also has a trainable
 *       coefficient and bias followed by a squashing function (12 and 32 more parameters).</li>
 *   <li>The activation is {@code tanh}, not the paper's scaled {@code 1.7159 tanh(2a/3)}.</li>
 *   <li>The output is a linear layer producing logits (use cross-entropy), not the paper's
 *       Euclidean radial-basis-function units.</li>
 * </ul>
 * Weights use the layers' default initialisation (PyTorch's), not the paper's uniform ±2.4/fan-in.
 */
public class LeNet5 extends Module {

    /** Spatial size the network is built for; 28x28 inputs (MNIST) are zero-padded to it. */
    public static final int INPUT_SIZE = 32;

    public final int numClasses;
    public final Conv2d c1;
    public final AvgPool2d s2;
    public final Conv2d c3;
    public final AvgPool2d s4;
    public final Conv2d c5;
    public final Linear f6;
    private final Tanh tanh1;
    private final Tanh tanh3;
    private final Tanh tanh5;
    private final Tanh tanh6;
    private final Flatten flatten;

    public LeNet5(int numClasses, RandomGenerator rng) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("LeNet5 expects numClasses >= 1; received " + numClasses);
        }
        this.numClasses = numClasses;
        // Registration order = PyTorch state-dict order: c1, s2, c3, s4, c5, f6, output.
        c1 = registerModule("c1", new Conv2d(1, 6, 5, rng));
        tanh1 = registerModule("tanh1", new Tanh());
        s2 = registerModule("s2", new AvgPool2d(2, 2));
        c3 = registerModule("c3", new Conv2d(6, 16, 5, rng));
        tanh3 = registerModule("tanh3", new Tanh());
        s4 = registerModule("s4", new AvgPool2d(2, 2));
        c5 = registerModule("c5", new Conv2d(16, 120, 5, rng));
        tanh5 = registerModule("tanh5", new Tanh());
        flatten = registerModule("flatten", new Flatten());
        f6 = registerModule("f6", new Linear(120, 84, rng));
        tanh6 = registerModule("tanh6", new Tanh());
        registerModule("output", new Linear(84, numClasses, rng));
    }

    /**
     * The classifier head. Read from the registered children, not a field, so that transfer learning
     * can swap it ({@code replaceModule("output", new Linear(84, 5, rng))}) and the new head is used.
     */
    public Module output() {
        return children().get("output");
    }

    /** Factory used by the {@link ModelZoo}. */
    public static LeNet5 create(int numClasses, RandomGenerator rng) {
        return new LeNet5(numClasses, rng);
    }

    /** Input (N, 1, 32, 32) or (N, 1, 28, 28); output (N, numClasses) logits. */
    @Override
    protected Tensor compute(Tensor x) {
        int[] s = x.shape();
        boolean ok = s.length == 4 && s[1] == 1 && s[2] == s[3] && (s[2] == INPUT_SIZE || s[2] == 28);
        if (!ok) {
            throw new IllegalArgumentException("LeNet5 expects input of shape (N, 1, 32, 32) or (N, 1, 28, 28); received "
                    + Shapes.str(s));
        }
        if (s[2] == 28) x = x.pad2d(2, 2, 2, 2);  // N x 1 x 32 x 32: MNIST digits, centred as in the paper
        x = tanh1.forward(c1.forward(x));         // N x 6 x 28 x 28
        x = s2.forward(x);                        // N x 6 x 14 x 14
        x = tanh3.forward(c3.forward(x));         // N x 16 x 10 x 10
        x = s4.forward(x);                        // N x 16 x 5 x 5
        x = tanh5.forward(c5.forward(x));         // N x 120 x 1 x 1
        x = flatten.forward(x);                   // N x 120
        x = tanh6.forward(f6.forward(x));         // N x 84
        return output().forward(x);               // N x numClasses
    }

    @Override
    public String extraRepr() {
        return "numClasses=" + numClasses;
    }
}
