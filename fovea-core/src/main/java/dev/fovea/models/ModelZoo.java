package dev.fovea.models;

import dev.fovea.nn.Module;
import dev.fovea.tensor.Shapes;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * The registry of model architectures by name ({@code "lenet5"}), so the CLI, tests and examples
 * build models the same way: {@code ModelZoo.create("lenet5", 10, new SplittableRandom(0))}.
 *
 * <p>Each entry records the per-sample input shape the model is built for, which the summary and
 * the zoo-wide test use. Names are lower case; lookups ignore case. Applications may
 * {@link #register} their own architectures.
 */
public final class ModelZoo {

    /** Builds a freshly initialised model; all randomness comes from {@code rng}. */
    @FunctionalInterface
    public interface Factory {
        Module create(int numClasses, RandomGenerator rng);
    }

    /**
     * One architecture.
     *
     * @param name           lower-case key, e.g. "lenet5"
     * @param description    one line for listings
     * @param inputShape     per-sample input shape the model expects, e.g. (1, 32, 32)
     * @param defaultClasses number of outputs when the caller does not choose
     * @param factory        builds the model
     */
    public record Entry(String name, String description, int[] inputShape, int defaultClasses, Factory factory) {
        public Entry {
            if (name == null || !name.matches("[a-z0-9][a-z0-9_-]*")) {
                throw new IllegalArgumentException("model names are lower-case letters, digits, '-' and '_'; received "
                        + (name == null ? "null" : "'" + name + "'"));
            }
            if (inputShape == null || inputShape.length == 0 || defaultClasses < 1 || factory == null) {
                throw new IllegalArgumentException("model '" + name + "' needs an input shape, defaultClasses >= 1 and "
                        + "a factory; received inputShape=" + (inputShape == null ? "null" : Shapes.str(inputShape))
                        + ", defaultClasses=" + defaultClasses + ", factory=" + factory);
            }
            inputShape = inputShape.clone();
            description = description == null ? "" : description;
        }

        @Override
        public int[] inputShape() { return inputShape.clone(); }
    }

    private static final Map<String, Entry> ENTRIES = new TreeMap<>();

    static {
        for (Entry e : builtIns()) ENTRIES.put(e.name(), e);
    }

    private ModelZoo() {}

    /** The architectures that ship with Fovea (one line each; keep them sorted). */
    private static List<Entry> builtIns() {
        int[] imagenet = {3, 224, 224};
        return List.of(
                new Entry("alexnet", "AlexNet (Krizhevsky et al. 2012) as the course draws it: 227x227, LRN, one tower, "
                        + "62,378,344 params", new int[] {3, AlexNet.INPUT_SIZE, AlexNet.INPUT_SIZE}, 1000, AlexNet::create),
                new Entry("alexnet-torchvision", "torchvision's AlexNet (64/192/384/256/256 maps, no LRN), its keys, "
                        + "61,100,840 params", imagenet, 1000, AlexNetTorchvision::create),
                new Entry("googlenet", "GoogLeNet / Inception v1 (Szegedy et al. 2015) as torchvision 0.14, no aux heads, "
                        + "6,624,904 params", imagenet, 1000, GoogLeNet::create),
                new Entry("lenet5", "LeNet-5 (LeCun et al. 1998): 2 conv + 3 dense, tanh, 61,706 params for 10 classes",
                        new int[] {1, LeNet5.INPUT_SIZE, LeNet5.INPUT_SIZE}, 10, LeNet5::create),
                new Entry("resnet101", "ResNet-101 (He et al. 2016), torchvision keys, bottleneck v1.5, 44,549,160 params",
                        imagenet, 1000, ResNet::resnet101),
                new Entry("resnet152", "ResNet-152 (He et al. 2016), torchvision keys, bottleneck v1.5, 60,192,808 params",
                        imagenet, 1000, ResNet::resnet152),
                new Entry("resnet18", "ResNet-18 (He et al. 2016), torchvision keys, basic blocks, 11,689,512 params",
                        imagenet, 1000, ResNet::resnet18),
                new Entry("resnet20", "ResNet-20 for 32x32 images (He et al. 2016 sec. 4.2), option-A shortcuts, "
                        + "269,722 params for 10 classes", new int[] {3, ResNetCifar.INPUT_SIZE, ResNetCifar.INPUT_SIZE}, 10,
                        ResNetCifar::resnet20),
                new Entry("resnet34", "ResNet-34 (He et al. 2016), torchvision keys, basic blocks, 21,797,672 params",
                        imagenet, 1000, ResNet::resnet34),
                new Entry("resnet50", "ResNet-50 (He et al. 2016), torchvision keys, bottleneck v1.5, 25,557,032 params",
                        imagenet, 1000, ResNet::resnet50),
                new Entry("smallcnn", "2 conv blocks with batch norm + dense head for 28x28 grey images, 422,090 params",
                        new int[] {1, 28, 28}, 10, SmallCnn::create));
    }

    /** Adds an architecture; names must be unique. */
    public static synchronized void register(Entry entry) {
        if (entry == null) throw new IllegalArgumentException("ModelZoo.register expects an entry; received null");
        if (ENTRIES.containsKey(entry.name())) {
            throw new IllegalArgumentException("a model named '" + entry.name() + "' is already registered");
        }
        ENTRIES.put(entry.name(), entry);
    }

    /** Names of the architectures that ship with Fovea (not those registered at run time), sorted. */
    public static List<String> builtInNames() {
        return builtIns().stream().map(Entry::name).sorted().toList();
    }

    /** Registered names, sorted. */
    public static synchronized List<String> names() {
        return List.copyOf(ENTRIES.keySet());
    }

    /** All entries, sorted by name. */
    public static synchronized List<Entry> entries() {
        return List.copyOf(ENTRIES.values());
    }

    /**
     * The entry for {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static synchronized Entry entry(String name) {
        Entry e = name == null ? null : ENTRIES.get(name.toLowerCase(Locale.ROOT));
        if (e == null) {
            throw new IllegalArgumentException("unknown model '" + name + "'; known models: "
                    + (ENTRIES.isEmpty() ? "(none)" : String.join(", ", ENTRIES.keySet())));
        }
        return e;
    }

    /** Builds {@code name} with {@code numClasses} outputs. */
    public static Module create(String name, int numClasses, RandomGenerator rng) {
        Entry e = entry(name);
        if (numClasses < 1) {
            throw new IllegalArgumentException("model '" + e.name() + "' expects numClasses >= 1; received " + numClasses);
        }
        if (rng == null) throw new IllegalArgumentException("ModelZoo.create expects a RandomGenerator; received null");
        return e.factory().create(numClasses, rng);
    }

    /** Builds {@code name} with its default number of classes. */
    public static Module create(String name, RandomGenerator rng) {
        return create(name, entry(name).defaultClasses(), rng);
    }
}
