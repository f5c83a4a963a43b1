package dev.fovea.train;

import dev.fovea.models.LeNet5;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Linear;
import dev.fovea.nn.Losses;
import dev.fovea.nn.Module;
import dev.fovea.nn.ReLU;
import dev.fovea.nn.Sequential;
import dev.fovea.optim.Adam;
import dev.fovea.optim.ParamGroup;
import dev.fovea.optim.Sgd;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Freezing by name, copying pretrained layers, replacing a head, and fine-tuning parameter groups. */
class TransferTest {

    private static final int[] LABELS = {0, 1, 2, 3, 4, 5, 6, 7};

    /** Cross-entropy of LeNet-5 on a fixed random batch of 8 images. */
    private static Tensor loss(Module model) {
        Tensor x = Tensor.uniform(new SplittableRandom(5), 0f, 1f, 8, 1, 32, 32);
        return Losses.crossEntropy(model.forward(x), LABELS);
    }

    /** Children named c1 and c10, so a prefix test can tell "c1" from "c10". */
    static final class TwoConvs extends Module {
        final Conv2d c1;
        final Conv2d c10;

        TwoConvs() {
            c1 = registerModule("c1", new Conv2d(1, 2, 3, new SplittableRandom(1)));
            c10 = registerModule("c10", new Conv2d(2, 2, 3, new SplittableRandom(2)));
        }

        @Override
        protected Tensor compute(Tensor x) {
            return c10.forward(c1.forward(x));
        }
    }

    @Test
    void aPrefixSelectsWholeNamePartsOnly() {
        TwoConvs m = new TwoConvs();
        m.freeze("c1");
        assertEquals(List.of("c1.weight", "c1.bias"), List.copyOf(m.frozenParameters().keySet()));
        assertEquals(List.of("c10.weight", "c10.bias"), List.copyOf(m.trainableParameters().keySet()));
        assertTrue(Module.matchesPrefix("c1.weight", "c1"));
        assertTrue(Module.matchesPrefix("c1.weight", "c1.weight"));
        assertFalse(Module.matchesPrefix("c10.weight", "c1"));
        assertFalse(Module.matchesPrefix("c1", "c1.weight"));
        assertTrue(Module.matchesPrefix("layer1.0.conv1.weight", "layer1.0"));
        assertFalse(Module.matchesPrefix("layer1.01.conv1.weight", "layer1.0"));

        m.freeze("c10.bias");
        assertEquals(List.of("c1.weight", "c1.bias", "c10.bias"), List.copyOf(m.frozenParameters().keySet()));
    }

    @Test
    void frozenParametersGetNoGradientAndDoNotMoveInAStep() {
        LeNet5 model = new LeNet5(10, new SplittableRandom(3));
        // A gradient from before freezing must not survive it (an optimizer would apply it).
        loss(model).backward();
        assertNotNull(model.c1.weight.grad());
        assertSame(model, model.freeze("c1", "c3"));
        assertNull(model.c1.weight.grad());
        assertFalse(model.c1.weight.requiresGrad());

        Map<String, Tensor> before = new java.util.LinkedHashMap<>();
        model.namedParameters().forEach((k, v) -> before.put(k, v.copy()));
        // The optimizer is given every parameter, frozen ones included: they are skipped because they have no gradient.
        var opt = new Adam(model.parameters(), 0.01);
        opt.zeroGrad();
        loss(model).backward();
        for (String k : List.of("c1.weight", "c1.bias", "c3.weight", "c3.bias")) {
            assertNull(model.namedParameters().get(k).grad(), k + " got a gradient");
        }
        assertNotNull(model.c5.weight.grad());
        opt.step();
        for (var e : model.namedParameters().entrySet()) {
            boolean frozen = e.getKey().startsWith("c1.") || e.getKey().startsWith("c3.");
            boolean same = java.util.Arrays.equals(before.get(e.getKey()).data(), e.getValue().data());
            assertEquals(frozen, same, e.getKey() + (frozen ? " moved although frozen" : " did not learn"));
        }
    }

    @Test
    void unfreezeMakesParametersTrainableAgain() {
        LeNet5 model = new LeNet5(10, new SplittableRandom(3));
        model.freeze();
        assertEquals(model.namedParameters().keySet(), model.frozenParameters().keySet());
        assertTrue(model.trainableParameters().isEmpty());
        // Nothing requires a gradient, so there is nothing to backpropagate.
        assertThrows(IllegalStateException.class, () -> loss(model).backward());

        model.unfreeze("output");
        assertEquals(List.of("output.weight", "output.bias"), List.copyOf(model.trainableParameters().keySet()));
        loss(model).backward();
        assertNotNull(((Linear) model.output()).weight.grad());
        assertNull(model.f6.weight.grad());

        model.unfreeze();
        assertTrue(model.frozenParameters().isEmpty());
        loss(model).backward();
        assertNotNull(model.c1.weight.grad());
    }

    @Test
    void aPrefixThatSelectsNothingIsAnError() {
        LeNet5 model = new LeNet5(10, new SplittableRandom(3));
        var e = assertThrows(IllegalArgumentException.class, () -> model.freeze("c2"));
        assertEquals("freeze expects a prefix of a parameter name of LeNet5 (top-level modules [c1, tanh1, s2, c3, tanh3, "
                + "s4, c5, tanh5, flatten, f6, tanh6, output]); received 'c2', which selects no parameter", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.unfreeze("tanh1"));
        assertTrue(model.frozenParameters().isEmpty(), "a failed call changes nothing");
    }

    @Test
    void fineTuneGroupsPutTheHeadFirstAndLeaveFrozenParametersOut() {
        LeNet5 model = new LeNet5(5, new SplittableRandom(3));
        model.freeze("c1");
        ParamGroup[] groups = Transfer.fineTuneGroups(model, 1e-3, 1e-4, "f6", "output");
        assertEquals(2, groups.length);
        assertEquals(List.of(model.f6.weight, model.f6.bias, ((Linear) model.output()).weight, ((Linear) model.output()).bias), groups[0].params());
        assertEquals(List.of(model.c3.weight, model.c3.bias, model.c5.weight, model.c5.bias), groups[1].params());
        var opt = new Sgd(groups);
        assertEquals(1e-3, opt.lr(0));
        assertEquals(1e-4, opt.lr(1));
        opt.setLr(5e-4); // a schedule keeps the body at a tenth of the head
        assertEquals(5e-5, opt.lr(1), 1e-12);

        model.freeze("c3", "c5");
        assertEquals(1, Transfer.fineTuneGroups(model, 1e-3, 1e-4, "f6", "output").length, "no trainable body left");
        model.freeze("f6", "output");
        var e = assertThrows(IllegalArgumentException.class, () -> Transfer.fineTuneGroups(model, 1e-3, 1e-4, "f6", "output"));
        assertTrue(e.getMessage().contains("every parameter under [f6, output] is frozen"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Transfer.fineTuneGroups(model, 1e-3, 1e-4, "fc"));
    }

    @Test
    void copyLayersReusesNamedLayersAndChecksShapes() {
        LeNet5 pretrained = new LeNet5(10, new SplittableRandom(1));
        LeNet5 target = new LeNet5(5, new SplittableRandom(2));
        assertEquals(List.of("c1.weight", "c1.bias", "c3.weight", "c3.bias"), Transfer.copyLayers(pretrained, target, "c1", "c3"));
        assertArrayEquals(pretrained.c3.weight.data(), target.c3.weight.data());
        assertFalse(java.util.Arrays.equals(pretrained.c5.weight.data(), target.c5.weight.data()));
        // The copy is a copy: training the target does not touch the pretrained network.
        target.c1.weight.data()[0] += 1;
        assertEquals(pretrained.c1.weight.data()[0] + 1, target.c1.weight.data()[0]);

        var e = assertThrows(IllegalArgumentException.class, () -> Transfer.copyLayers(pretrained, target, "c5", "output"));
        assertEquals("copyLayers: tensor 'output.weight' expects shape (5, 84); received (10, 84) from LeNet5", e.getMessage());
        assertFalse(java.util.Arrays.equals(pretrained.c5.weight.data(), target.c5.weight.data()), "nothing copied");
        assertThrows(IllegalArgumentException.class, () -> Transfer.copyLayers(pretrained, target, "c7"));
    }

    @Test
    void replaceModulePutsANewHeadOnASequentialButRefusesWhereAFieldWouldKeepTheOldOne() {
        Sequential net = new Sequential(new Linear(4, 8, new SplittableRandom(1)), new ReLU(),
                new Sequential(new Linear(8, 3, new SplittableRandom(2))));
        Linear head = new Linear(8, 2, new SplittableRandom(3));
        Module old = Transfer.replaceModule(net, "2.0", head);
        assertTrue(old instanceof Linear l && l.outFeatures == 3);
        assertArrayEquals(new int[] {5, 2}, net.forward(Tensor.zeros(5, 4)).shape());
        assertTrue(net.stateDict().containsKey("2.0.weight"));

        // LeNet-5's head is read from its children, so it can be swapped ...
        LeNet5 lenet = new LeNet5(10, new SplittableRandom(1));
        Transfer.replaceModule(lenet, "output", new Linear(84, 5, new SplittableRandom(4)));
        assertArrayEquals(new int[] {2, 5}, lenet.forward(Tensor.zeros(2, 1, 32, 32)).shape());
        // ... but f6 is also a field it calls directly: replacing only the child would change nothing
        var e = assertThrows(IllegalArgumentException.class,
                () -> Transfer.replaceModule(lenet, "f6", new Linear(120, 84, new SplittableRandom(4))));
        assertTrue(e.getMessage().startsWith("LeNet5 keeps 'f6' in its field 'f6'"), e.getMessage());
        assertSame(lenet.f6, lenet.children().get("f6"), "nothing was replaced");
        assertThrows(IllegalArgumentException.class, () -> Transfer.replaceModule(net, "9", head));
    }
}
