package dev.fovea.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fovea.kernels.simd.VectorKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link VectorKernels} against the reference {@link ScalarKernels}, element by element, at 128,
 * 256 and 512 bits (Jlama's multi-width testing; species wider than the machine's are emulated by
 * the JDK, slowly but exactly). Tolerances grow with the reduction length k:
 * {@code |actual - expected| <= 1e-5 * k * (1 + |expected|)}, Lucene's style, because a SIMD or
 * blocked sum adds the same terms in a different order. Failures print the largest difference and
 * the first mismatching pairs. Methods VectorKernels merely delegates to the reference are compared
 * too, so a future fast version is covered from its first day. A last test checks that results are
 * bit-identical with 1, 2 and 3 threads.
 */
class KernelsConformanceTest {

    private static final int[] SIZES = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 255, 257};
    private static final ScalarKernels REF = new ScalarKernels();

    @BeforeAll
    static void vectorModulePresent() {
        assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "run with --add-modules jdk.incubator.vector to test the Vector API kernels");
    }

    private static Kernels vector(int bits) {
        VectorSpecies<Float> species = VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        return new VectorKernels(species);
    }

    // ------------------------------------------------------------------ dot, axpy, rows

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void dotMatchesReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(1);
        for (int len : SIZES) {
            for (int off : new int[] {0, 3}) {
                float[] x = random(rnd, len + off + 2), y = random(rnd, len + 2 * off + 1);
                float expected = REF.dot(x, off, y, 2 * off, len);
                float actual = v.dot(x, off, y, 2 * off, len);
                assertClose(new float[] {expected}, new float[] {actual}, len, "dot len=" + len + " off=" + off);
            }
        }
    }

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void axpyMatchesReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(2);
        for (int len : SIZES) {
            for (int off : new int[] {0, 5}) {
                float[] x = random(rnd, len + off);
                float[] expected = random(rnd, len + off + 3);
                float[] actual = expected.clone();
                REF.axpy(-0.75f, x, off, expected, 3, len);
                v.axpy(-0.75f, x, off, actual, 3, len);
                assertClose(expected, actual, 1, "axpy len=" + len + " off=" + off);
            }
        }
    }

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void logSoftmaxRowsMatchesReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(3);
        for (int cols : SIZES) {
            for (int rows : new int[] {1, 3}) {
                float[] in = new float[rows * cols];
                for (int i = 0; i < in.length; i++) in[i] = (rnd.nextFloat() - 0.5f) * 20f;
                float[] expected = new float[in.length], actual = new float[in.length];
                REF.logSoftmaxRows(expected, in, rows, cols);
                v.logSoftmaxRows(actual, in, rows, cols);
                assertClose(expected, actual, cols, "logSoftmax rows=" + rows + " cols=" + cols);
            }
        }
    }

    // ------------------------------------------------------------------ GEMM

    /** Awkward sizes: 1, primes, one past a tile or a block, and 257 > the 256-deep k-slice. */
    private static final int[] DIMS = {1, 3, 7, 13, 31, 64, 65, 257};

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void gemmMatchesReferenceOnAwkwardShapes(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(4);
        int[] ks = {1, 7, 64, 257};
        float[] betas = {0f, 1f, 0.5f};
        float[] alphas = {1f, -0.5f, 2f};
        int count = 0;
        for (int m : DIMS) {
            for (int n : DIMS) {
                for (int k : ks) {
                    for (int variant = 0; variant < 4; variant++, count++) {
                        checkGemm(v, rnd, variant >= 2, (variant & 1) == 1, m, n, k,
                                alphas[count % 3], betas[(count / 3) % 3], count % 2 == 0);
                    }
                }
            }
        }
    }

    /** Shapes that reach every path: row-vector and column-vector products, several column and row blocks and stripes. */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void gemmMatchesReferenceOnLargeAndSkinnyShapes(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(5);
        int[][] shapes = {{1, 700, 300}, {300, 1, 200}, {130, 1030, 20}, {129, 67, 513}, {2, 600, 90}, {200, 9, 600},
            {9, 8300, 40}, // wider than one 8192-column stripe
            {30, 301, 2100}, {33, 130, 300}}; // A * B^T by dot products (k > one 1024 slice), and just past them
        for (int[] s : shapes) {
            for (int variant = 0; variant < 4; variant++) {
                checkGemm(v, rnd, variant >= 2, (variant & 1) == 1, s[0], s[1], s[2], 1f, variant == 1 ? 1f : 0f, true);
                checkGemm(v, rnd, variant >= 2, (variant & 1) == 1, s[0], s[1], s[2], 0.5f, 0.5f, false);
            }
        }
    }

    /**
     * One GEMM with operands at offsets inside larger arrays and leading dimensions wider than the
     * rows, so stray reads or writes show up; with {@code beta == 0} C starts as NaN, which must be ignored.
     */
    private static void checkGemm(Kernels v, Random rnd, boolean transA, boolean transB, int m, int n, int k,
                                  float alpha, float beta, boolean padded) {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + (padded ? 3 : 0), ldb = bCols + (padded ? 2 : 0), ldc = n + (padded ? 5 : 0);
        int aOff = padded ? 7 : 0, bOff = padded ? 1 : 0, cOff = padded ? 4 : 0;
        float[] a = random(rnd, aOff + aRows * lda);
        float[] b = random(rnd, bOff + bRows * ldb);
        float[] expected = random(rnd, cOff + m * ldc + 3);
        if (beta == 0f) Arrays.fill(expected, Float.NaN);
        float[] actual = expected.clone();
        REF.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc);
        v.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, actual, cOff, ldc);
        assertClose(expected, actual, k, String.format("%s gemm transA=%b transB=%b m=%d n=%d k=%d alpha=%s beta=%s padded=%b",
                v.name(), transA, transB, m, n, k, alpha, beta, padded));
    }

    // ------------------------------------------------------------------ convolution

    /** The geometries of the brief: 1x1, 3x3 pad 1, 5x5 stride 2, 11x11 stride 4, dilation, groups, asymmetric padding. */
    private static List<ConvGeometry> convGeometries() {
        List<ConvGeometry> list = new ArrayList<>();
        for (int n : new int[] {1, 3}) {
            list.add(ConvGeometry.of(n, 8, 9, 7, 16, 1, 1, 0));                                     // 1x1: a plain GEMM
            list.add(ConvGeometry.of(n, 6, 9, 10, 5, 1, 2, 0));                                     // 1x1 stride 2
            list.add(ConvGeometry.of(n, 5, 10, 11, 7, 3, 1, 1));                                    // 3x3 pad 1
            list.add(ConvGeometry.of(n, 3, 17, 15, 8, 5, 2, 2));                                    // 5x5 stride 2
            list.add(new ConvGeometry(n, 2, 9, 8, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1));             // dilation 2
            list.add(new ConvGeometry(n, 6, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2));             // groups 2
            list.add(new ConvGeometry(n, 4, 7, 9, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 4));             // depthwise
            list.add(new ConvGeometry(n, 3, 8, 10, 5, 2, 4, 1, 2, 0, 1, 2, 1, 1, 1, 1));            // asymmetric pad
            list.add(new ConvGeometry(n, 4, 1, 20, 6, 1, 3, 1, 1, 0, 2, 0, 1, 1, 3, 1));            // 1-D, dilation 3
            list.add(ConvGeometry.of(n, 16, 12, 12, 24, 3, 1, 1));                                  // packed GEMM
            list.add(new ConvGeometry(n, 9, 9, 10, 5, 4, 2, 1, 1, 1, 0, 2, 1, 1, 1, 1));            // "same", even kernel, stride 1
            list.add(new ConvGeometry(n, 16, 9, 9, 10, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2));           // groups of 8, dilation 2
            list.add(ConvGeometry.of(n, 2, 6, 7, 3, 3, 1, 3));                                      // pad beyond the kernel's reach
            list.add(ConvGeometry.of(n, 1, 12, 12, 6, 5, 1, 0));                                    // one channel, 5x5 valid (LeNet C1)
        }
        list.add(ConvGeometry.of(1, 3, 35, 35, 10, 11, 4, 2));                                      // 11x11 stride 4
        list.add(ConvGeometry.of(11, 20, 7, 7, 24, 3, 1, 1));                                       // deep layer, many images
        list.add(new ConvGeometry(9, 12, 5, 6, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2));              // 1x1 groups, many images
        list.add(ConvGeometry.of(1, 2, 100, 95, 3, 3, 1, 1));                                       // > 8192 output positions
        list.add(new ConvGeometry(2, 32, 9, 9, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2));              // wide groups
        list.add(ConvGeometry.of(7, 16, 5, 5, 120, 5, 1, 0));                                       // whole-input kernel (LeNet C5)
        list.add(ConvGeometry.of(6, 8, 33, 33, 16, 3, 2, 1));                                       // im2col, weight gradient in chunks
        list.add(new ConvGeometry(3, 4, 6, 6, 10, 6, 6, 2, 2, 0, 0, 0, 0, 1, 1, 1));              // whole-input kernel, stride 2
        list.add(new ConvGeometry(1, 40, 6, 20, 24, 3, 2, 1, 1, 2, 0, 1, 1, 2, 1, 1));             // wide, dilated, asymmetric
        list.add(ConvGeometry.of(5, 6, 14, 14, 16, 5, 1, 0));                                       // LeNet C3: two row panels, windows in place
        list.add(ConvGeometry.of(2, 32, 24, 24, 16, 3, 1, 1));                                      // channels-last weight gradient
        list.add(new ConvGeometry(1, 64, 23, 25, 32, 3, 3, 1, 1, 2, 1, 2, 1, 2, 1, 2));            // the same, groups, dilation, uneven pads
        list.add(ConvGeometry.of(3, 8, 10, 10, 21, 3, 1, 1));                                      // wide windows, rows not a multiple of 8
        list.add(ConvGeometry.of(2, 20, 30, 30, 24, 3, 1, 1));                                     // wide windows from 1024 positions, also held
        // weight gradient from windows in place (from 1,024 positions, 512 bits): two channel blocks (the
        // second partly used), 101 row tiles (3 rows past the depth), runs across blocks and past 96 tiles;
        // with 64 channels or more each way Winograd takes it (F(3x3, 2x2): 98 tiles of 4 x 4 are too
        // shallow for F(4x4, 3x3)), so the window kernel's own cases have 60 inputs or 60 outputs
        list.add(ConvGeometry.of(2, 67, 26, 26, 80, 3, 1, 1));
        list.add(ConvGeometry.of(2, 60, 26, 26, 80, 3, 1, 1));
        list.add(ConvGeometry.of(2, 67, 26, 26, 60, 3, 1, 1));
        list.add(ConvGeometry.of(7, 12, 20, 21, 40, 5, 2, 2));                                     // the same, stride 2 (phases)
        list.add(new ConvGeometry(2, 32, 24, 24, 96, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2));            // the same, groups, dilation
        list.add(new ConvGeometry(3, 4, 17, 30, 12, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 2));            // rows of 28 read in place, groups
        list.add(ConvGeometry.of(5, 12, 28, 28, 48, 3, 1, 1));                                     // the same, positions in 2 parts
        // channels-last forward (512 bits): stride 2, 1,058 positions (the last tile part-used), two
        // blocks of output channels (the second part-used); 260 channels in chunks of 128, 128 and 4
        // (and its input gradient, 40 channels from 260); groups of 32 channels with dilation and
        // uneven padding, forward and input gradient; an input gradient of 40 channels from 70. Of the
        // stride-1 ones, Winograd now takes the input gradient of 260 -> 40 and the forward pass of 40 -> 70
        list.add(ConvGeometry.of(2, 24, 45, 45, 70, 3, 2, 1));
        list.add(ConvGeometry.of(6, 260, 5, 5, 40, 3, 1, 1));
        list.add(new ConvGeometry(3, 64, 11, 10, 64, 3, 2, 1, 1, 2, 0, 1, 1, 2, 1, 2));
        list.add(ConvGeometry.of(2, 40, 9, 9, 70, 3, 1, 1));
        // the same for 1-D convolutions (Conv1d: height 1): stride 2, and dilation 2 with its input gradient
        list.add(new ConvGeometry(6, 32, 1, 50, 48, 1, 5, 1, 2, 0, 2, 0, 2, 1, 1, 1));
        list.add(new ConvGeometry(6, 48, 1, 40, 40, 1, 7, 1, 1, 0, 3, 0, 3, 1, 2, 1));
        // 1x1 weight gradient from the input read in place (from 1,024 positions, 512 bits): images of
        // 483 positions (4 chunks each), 70 channels (2 row tiles past the depth), two channel blocks
        // (the second part-used); and with groups, its 4,500 positions in 2 parts
        list.add(ConvGeometry.of(3, 70, 23, 21, 80, 1, 1, 0));
        list.add(new ConvGeometry(5, 24, 30, 30, 48, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2));
        // 1x1 forward and input gradient with the image read in place (Pointwise, 512 bits): 28x28
        // positions (16 tiles of 48 and a tail of one vector, read in place), 21 outputs and 13
        // inputs (the last row panel part-used each way); groups on 24x24 (12 whole tiles); tails
        // from a zero-padded copy: two vectors, whole and part-used (16x17: 5 tiles and 32; 4x113:
        // 9 tiles and 20), 2 1/2 vectors (8x41: 6 tiles and 40) and 5 columns (25x29: 15 tiles and 5)
        list.add(ConvGeometry.of(2, 13, 28, 28, 21, 1, 1, 0));
        list.add(new ConvGeometry(3, 16, 24, 24, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2));
        list.add(new ConvGeometry(2, 24, 16, 17, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1));
        list.add(new ConvGeometry(2, 10, 4, 113, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1));
        list.add(new ConvGeometry(2, 9, 8, 41, 19, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1));
        list.add(new ConvGeometry(1, 17, 25, 29, 12, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1));
        // a batch whose wide output exceeds 2^19 floats: the forward pass in parts of 14 and 2 images
        // (16 rows of 47 x 47 positions each, at 512 bits)
        list.add(ConvGeometry.of(16, 8, 46, 46, 16, 3, 1, 1));
        // Winograd F(2x2, 3x3) (512 bits): odd output sizes (tiles past the right and bottom edges),
        // 40 channels (two vectors and a part), 72 output channels (the second block part-used), 544
        // tiles in blocks, forward only (its input gradient has 40 outputs); valid padding with two
        // blocks of output channels, and uneven padding, forward and input gradient
        list.add(ConvGeometry.of(2, 40, 33, 31, 72, 3, 1, 1));
        list.add(ConvGeometry.of(3, 64, 22, 20, 128, 3, 1, 0));
        list.add(new ConvGeometry(1, 96, 40, 37, 70, 3, 3, 1, 1, 2, 0, 1, 1, 1, 1, 1));
        // the same with its weight gradient too (from 128 channels each way): 130 channels (a tail
        // vector), 136 output channels, 180 positions in 2 x 5 x 5 tiles of odd rows
        list.add(ConvGeometry.of(2, 130, 9, 10, 136, 3, 1, 1));
        // output channels in lanes (NarrowConv): at 512 bits, groups of 4 -> 16 channels, stride 2 down,
        // dilation 2 across, uneven pads, rows of exactly one tile; 12 output channels (lanes part-used)
        // on rows of 23 (the second tile part-used); rows of 13, weight gradient only
        list.add(new ConvGeometry(3, 8, 13, 17, 32, 3, 5, 2, 1, 1, 2, 2, 1, 1, 2, 2));
        list.add(new ConvGeometry(2, 5, 9, 31, 12, 3, 9, 1, 1, 0, 0, 0, 0, 1, 1, 1));
        list.add(ConvGeometry.of(2, 3, 19, 19, 16, 7, 1, 0));
        // its weight gradient for 5 taps across (pairs of kernel rows): 9 kernel rows (the last pair half
        // past them), stride 2 down, padding, groups, rows of 5; and rows of exactly 4 positions
        list.add(new ConvGeometry(3, 6, 11, 8, 32, 3, 5, 2, 1, 1, 1, 0, 0, 1, 1, 2));
        list.add(ConvGeometry.of(2, 2, 8, 8, 16, 5, 1, 0));
        // positions in lanes, rows exact (NarrowConv.rows, 512 bits): groups of 2 -> 10 channels (blocks
        // of 6 and 4), stride 2 down, dilation 2 across, uneven pads, 9 rows (3 row tiles), rows of 27 (two
        // vectors, the second part-used); an input gradient of 5 channels, dilated, unevenly padded
        list.add(new ConvGeometry(2, 4, 17, 30, 20, 3, 3, 2, 1, 1, 1, 2, 0, 1, 2, 2));
        list.add(new ConvGeometry(3, 5, 11, 13, 24, 3, 3, 1, 1, 1, 0, 2, 1, 2, 1, 1));
        // the small weight gradient in 6 x 3 tiles: groups of 18 output channels, a depth of 8 (a tile past it)
        list.add(new ConvGeometry(2, 4, 11, 12, 36, 2, 2, 1, 1, 1, 0, 0, 1, 1, 1, 2));
        return list;
    }

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void conv2dForwardMatchesReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(6);
        for (ConvGeometry g : convGeometries()) {
            for (boolean withBias : new boolean[] {false, true}) {
                float[] in = random(rnd, g.inputSize()), weight = random(rnd, g.weightSize());
                float[] bias = withBias ? random(rnd, g.oc()) : null;
                float[] expected = new float[g.outputSize()], actual = new float[g.outputSize()];
                Arrays.fill(actual, Float.NaN); // forward overwrites
                REF.conv2dForward(expected, in, weight, bias, g);
                v.conv2dForward(actual, in, weight, bias, g);
                assertClose(expected, actual, g.cPerGroup() * g.kh() * g.kw(), "conv forward bias=" + withBias + " " + g);
            }
        }
    }

    /**
     * The forward pass with the residual's addition and ReLU folded into its output pass is the
     * forward pass, then the addition, then ReLU, bit for bit, on every path (weights held or not:
     * the channels-last, window and GEMM paths), with and without bias.
     */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void conv2dForwardFusedIsTheSeparateOperations(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(26);
        for (ConvGeometry g : convGeometries()) {
            for (boolean held : new boolean[] {false, true}) {
                float[] in = random(rnd, g.inputSize()), weight = random(rnd, g.weightSize());
                float[] bias = held ? random(rnd, g.oc()) : null;
                if (held) v.holdConstantWeight(weight, g.oc(), g.groups());
                for (float[] residual : Arrays.asList(null, random(rnd, g.outputSize()))) {
                    for (boolean rectify : new boolean[] {false, true}) {
                        for (Kernels k : List.of(v, REF)) {
                            float[] expected = new float[g.outputSize()], actual = new float[g.outputSize()];
                            Arrays.fill(actual, Float.NaN); // forward overwrites
                            k.conv2dForward(expected, in, weight, bias, g);
                            for (int i = 0; i < expected.length; i++) {
                                if (residual != null) expected[i] += residual[i];
                                if (rectify && expected[i] <= 0f) expected[i] = 0f;
                            }
                            k.conv2dForwardFused(actual, in, weight, bias, residual, rectify, g);
                            assertArrayEquals(expected, actual, k.getClass().getSimpleName() + " fused conv forward held="
                                    + held + " residual=" + (residual != null) + " relu=" + rectify + " " + g);
                        }
                    }
                }
                if (held) v.releaseConstantWeight(weight);
            }
        }
    }

    /**
     * The forward pass into an array it allocates itself is the fused pass into a given array, bit
     * for bit, on every path (weights held or not, on 1 and 2 threads; the reference's default on
     * LeNet-5's C1): it asks for the array once, on the calling thread, with the output's size,
     * overwrites whatever the array held and writes nothing past the output. An allocator that
     * gives too short an array, or the residual itself, is refused by name.
     */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void conv2dForwardAllocatingIsTheFusedPass(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(27);
        for (int threads : new int[] {1, 2}) {
            int t = threads;
            Parallel.withThreads(threads, () -> {
                for (ConvGeometry g : convGeometries()) {
                    for (boolean held : new boolean[] {false, true}) {
                        float[] in = random(rnd, g.inputSize()), weight = random(rnd, g.weightSize());
                        float[] bias = held ? random(rnd, g.oc()) : null;
                        // the residual and ReLU with the held weight on one thread, without on two
                        boolean fused = held == (t == 1);
                        float[] residual = fused ? random(rnd, g.outputSize()) : null;
                        if (held) v.holdConstantWeight(weight, g.oc(), g.groups());
                        assertAllocatingIsFused(v, in, weight, bias, residual, fused, g, t + " threads, held=" + held);
                        if (held) v.releaseConstantWeight(weight);
                    }
                }
            });
        }
        ConvGeometry lenet = ConvGeometry.of(3, 1, 12, 12, 6, 5, 1, 0);
        assertAllocatingIsFused(REF, random(rnd, lenet.inputSize()), random(rnd, lenet.weightSize()), random(rnd, lenet.oc()),
                random(rnd, lenet.outputSize()), true, lenet, "");
        ConvGeometry g = ConvGeometry.of(2, 20, 30, 30, 24, 3, 1, 1);
        float[] in = random(rnd, g.inputSize()), weight = random(rnd, g.weightSize()), residual = random(rnd, g.outputSize());
        IllegalStateException shortArray = assertThrows(IllegalStateException.class,
                () -> v.conv2dForwardAllocating(length -> new float[length - 1], in, weight, null, null, false, g));
        assertTrue(shortArray.getMessage().contains(g.outputSize() + " floats"), shortArray.getMessage());
        IllegalArgumentException residualItself = assertThrows(IllegalArgumentException.class,
                () -> v.conv2dForwardAllocating(length -> residual, in, weight, null, residual, true, g));
        assertTrue(residualItself.getMessage().contains("the output array"), residualItself.getMessage());
    }

    private static void assertAllocatingIsFused(Kernels k, float[] in, float[] weight, float[] bias, float[] residual,
                                                boolean rectify, ConvGeometry g, String context) {
        String what = k.getClass().getSimpleName() + " " + context + " residual=" + (residual != null) + " relu="
                + rectify + " " + g;
        float[] expected = new float[g.outputSize()];
        k.conv2dForwardFused(expected, in, weight, bias, residual, rectify, g);
        List<Thread> askedOn = new ArrayList<>();
        float[] given = new float[g.outputSize() + 3];
        Arrays.fill(given, Float.NaN); // forward overwrites
        float[] actual = k.conv2dForwardAllocating(length -> {
            assertEquals(g.outputSize(), length, what);
            askedOn.add(Thread.currentThread());
            return given;
        }, in, weight, bias, residual, rectify, g);
        assertTrue(actual == given, what + ": returns the allocator's array");
        assertEquals(List.of(Thread.currentThread()), askedOn, what + ": asked once, on the caller");
        assertArrayEquals(expected, Arrays.copyOf(actual, g.outputSize()), what);
        for (int i = g.outputSize(); i < given.length; i++) {
            assertTrue(Float.isNaN(given[i]), what + ": nothing written past the output");
        }
    }

    /**
     * A weight held constant (packed once by holdConstantWeight) gives the reference's forward pass,
     * at every geometry and for two batch sizes sharing the packed copy; once released, a changed
     * weight is used as it is now (no stale packed copy).
     */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void conv2dForwardWithHeldWeightMatchesReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(16);
        for (ConvGeometry g : convGeometries()) {
            float[] weight = random(rnd, g.weightSize()), bias = random(rnd, g.oc());
            v.holdConstantWeight(weight, g.oc(), g.groups());
            v.holdConstantWeight(weight, g.oc(), g.groups()); // nested: released twice below
            for (ConvGeometry batch : List.of(g, withBatch(g, g.n() + 2))) {
                float[] in = random(rnd, batch.inputSize());
                float[] expected = new float[batch.outputSize()], actual = new float[batch.outputSize()];
                Arrays.fill(actual, Float.NaN);
                REF.conv2dForward(expected, in, weight, bias, batch);
                v.conv2dForward(actual, in, weight, bias, batch);
                assertClose(expected, actual, g.cPerGroup() * g.kh() * g.kw(), "held conv forward " + batch);
            }
            v.releaseConstantWeight(weight);
            v.releaseConstantWeight(weight);
            for (int i = 0; i < weight.length; i++) weight[i] = -2f * weight[i] + 0.5f;
            float[] in = random(rnd, g.inputSize());
            float[] expected = new float[g.outputSize()], actual = new float[g.outputSize()];
            REF.conv2dForward(expected, in, weight, bias, g);
            v.conv2dForward(actual, in, weight, bias, g);
            assertClose(expected, actual, g.cPerGroup() * g.kh() * g.kw(), "released, changed weight " + g);
        }
    }

    /** A held weight used by a convolution of another grouping (same array length) is read as it is, not as packed. */
    @Test
    void heldWeightIsNotUsedForAnotherGrouping() {
        Kernels v = vector(VectorShape.preferredShape().vectorBitSize());
        Random rnd = new Random(17);
        ConvGeometry held = ConvGeometry.of(3, 20, 30, 30, 40, 3, 1, 1);
        ConvGeometry grouped = new ConvGeometry(3, 40, 30, 30, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2);
        float[] weight = random(rnd, held.weightSize()), in = random(rnd, grouped.inputSize());
        assertEquals(held.weightSize(), grouped.weightSize());
        v.holdConstantWeight(weight, held.oc(), held.groups());
        float[] expected = new float[grouped.outputSize()], actual = new float[grouped.outputSize()];
        REF.conv2dForward(expected, in, weight, null, grouped);
        v.conv2dForward(actual, in, weight, null, grouped);
        v.releaseConstantWeight(weight);
        assertClose(expected, actual, grouped.cPerGroup() * 9, "grouped conv over a weight held ungrouped");
    }

    /**
     * A held weight read by a convolution with another kernel size (same array length, grouping and
     * output channels) is not read through the channels-last transpose made for the first one.
     */
    @Test
    void heldWeightTransposeIsNotUsedForAnotherKernelSize() {
        Kernels v = vector(512); // the channels-last path needs 16 lanes
        Random rnd = new Random(18);
        ConvGeometry square = ConvGeometry.of(1, 32, 8, 8, 64, 3, 1, 1);               // 64 x 32 x 9
        ConvGeometry row = new ConvGeometry(1, 96, 6, 8, 64, 1, 3, 1, 1, 0, 1, 0, 1, 1, 1, 1); // 64 x 96 x 3
        float[] weight = random(rnd, square.weightSize());
        assertEquals(square.weightSize(), row.weightSize());
        v.holdConstantWeight(weight, 64, 1);
        for (ConvGeometry g : List.of(square, row, square)) {
            float[] in = random(rnd, g.inputSize());
            float[] expected = new float[g.outputSize()], actual = new float[g.outputSize()];
            REF.conv2dForward(expected, in, weight, null, g);
            v.conv2dForward(actual, in, weight, null, g);
            assertClose(expected, actual, g.cPerGroup() * g.kh() * g.kw(), "held weight read as " + g);
        }
        v.releaseConstantWeight(weight);
    }

    private static ConvGeometry withBatch(ConvGeometry g, int n) {
        return new ConvGeometry(n, g.c(), g.h(), g.w(), g.oc(), g.kh(), g.kw(), g.strideH(), g.strideW(), g.padTop(),
                g.padLeft(), g.padBottom(), g.padRight(), g.dilationH(), g.dilationW(), g.groups());
    }

    @Test
    void holdConstantWeightRejectsAWeightThatDoesNotSplitIntoTheChannels() {
        Kernels v = vector(VectorShape.preferredShape().vectorBitSize());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> v.holdConstantWeight(new float[10], 3, 1));
        assertTrue(e.getMessage().contains("received 10 values, outChannels=3"), e.getMessage());
        v.releaseConstantWeight(new float[4]); // never held: nothing happens
    }

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void conv2dBackwardInputMatchesReferenceAndAccumulates(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(7);
        for (ConvGeometry g : convGeometries()) {
            float[] dOut = random(rnd, g.outputSize()), weight = random(rnd, g.weightSize());
            float[] expected = random(rnd, g.inputSize()); // backward adds to what is there
            float[] actual = expected.clone();
            REF.conv2dBackwardInput(expected, dOut, weight, g);
            v.conv2dBackwardInput(actual, dOut, weight, g);
            assertClose(expected, actual, g.ocPerGroup() * g.kh() * g.kw(), "conv backward input " + g);
        }
    }

    /**
     * The input gradient written over whatever the array held (NaN here, as an uninitialised array
     * may hold) is the gradient added to zeros, bit for bit, on every path and at 1 and 2 threads,
     * and nothing past the input's size is touched.
     */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void conv2dBackwardInputOverwritingIsTheGradientAddedToZeros(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(31);
        for (int threads : new int[] {1, 2}) {
            Parallel.withThreads(threads, () -> {
                for (ConvGeometry g : convGeometries()) {
                    float[] dOut = random(rnd, g.outputSize()), weight = random(rnd, g.weightSize());
                    for (Kernels k : List.of(v, REF)) {
                        String what = k.getClass().getSimpleName() + " " + Parallel.threads() + " threads " + g;
                        float[] expected = new float[g.inputSize()], actual = new float[g.inputSize() + 5];
                        Arrays.fill(actual, Float.NaN);
                        k.conv2dBackwardInput(expected, dOut, weight, g);
                        k.conv2dBackwardInputOverwriting(actual, dOut, weight, g);
                        assertArrayEquals(expected, Arrays.copyOf(actual, g.inputSize()), what);
                        for (int i = g.inputSize(); i < actual.length; i++) assertTrue(Float.isNaN(actual[i]), what);
                    }
                }
            });
        }
    }

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void conv2dBackwardWeightMatchesReferenceAndAccumulates(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(8);
        for (ConvGeometry g : convGeometries()) {
            for (boolean withBias : new boolean[] {false, true}) {
                float[] dOut = random(rnd, g.outputSize()), in = random(rnd, g.inputSize());
                float[] expectedW = random(rnd, g.weightSize()), actualW = expectedW.clone();
                float[] expectedB = withBias ? random(rnd, g.oc()) : null;
                float[] actualB = withBias ? expectedB.clone() : null;
                REF.conv2dBackwardWeight(expectedW, expectedB, dOut, in, g);
                v.conv2dBackwardWeight(actualW, actualB, dOut, in, g);
                int reduction = g.n() * g.oh() * g.ow();
                assertClose(expectedW, actualW, reduction, "conv backward weight " + g);
                if (withBias) assertClose(expectedB, actualB, reduction, "conv backward bias " + g);
            }
        }
    }

    /**
     * Small integers make every product and partial sum exact in float, so the fast weight
     * gradient must equal the reference bit for bit whatever its order of summation: a product
     * dropped or counted twice (a chunk's last position, a tile's last row) shows, where the
     * rounding tolerance of the test above could hide it.
     */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void conv2dBackwardWeightIsExactOnSmallIntegers(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(81);
        for (ConvGeometry g : convGeometries()) {
            float[] dOut = smallIntegers(rnd, g.outputSize()), in = smallIntegers(rnd, g.inputSize());
            float[] expected = smallIntegers(rnd, g.weightSize()), actual = expected.clone();
            REF.conv2dBackwardWeight(expected, null, dOut, in, g);
            v.conv2dBackwardWeight(actual, null, dOut, in, g);
            assertArrayEquals(expected, actual, "conv backward weight " + g);
        }
    }

    /** Integers in [-2, 2]. */
    private static float[] smallIntegers(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = rnd.nextInt(5) - 2;
        return x;
    }

    // ------------------------------------------------------------------ normalisation, pooling, LRN

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void batchNormForwardAndChannelStatisticsMatchReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(9);
        for (int spatial : SIZES) {
            int n = 3, c = 4;
            float[] in = random(rnd, n * c * spatial);
            for (int i = 0; i < in.length; i++) in[i] = in[i] * 3f + 2f; // mean away from 0
            float[] mean = new float[c], var = new float[c], refMean = new float[c], refVar = new float[c];
            REF.channelMeanVar(refMean, refVar, in, n, c, spatial);
            v.channelMeanVar(mean, var, in, n, c, spatial);
            assertClose(refMean, mean, n * spatial, "channel mean spatial=" + spatial);
            assertClose(refVar, var, n * spatial, "channel var spatial=" + spatial);

            float[] invStd = new float[c], gamma = random(rnd, c), beta = random(rnd, c);
            for (int ch = 0; ch < c; ch++) invStd[ch] = (float) (1 / Math.sqrt(refVar[ch] + 1e-5));
            for (boolean affine : new boolean[] {false, true}) {
                float[] g = affine ? gamma : null, b = affine ? beta : null;
                float[] expected = new float[in.length], actual = new float[in.length];
                REF.batchNormForward(expected, in, refMean, invStd, g, b, n, c, spatial);
                v.batchNormForward(actual, in, refMean, invStd, g, b, n, c, spatial);
                assertClose(expected, actual, 1, "batchNormForward affine=" + affine + " spatial=" + spatial);
            }
        }
    }

    /**
     * Every combination of null gradient buffers and gamma, both statistics modes, spatial sizes
     * around the vector widths; dIn, dGamma and dBeta start non-zero because backward accumulates.
     */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void batchNormBackwardMatchesReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(10);
        for (int spatial : new int[] {1, 7, 16, 33, 257}) {
            for (int[] nc : new int[][] {{1, 1}, {2, 5}, {3, 2}}) {
                int n = nc[0], c = nc[1], size = n * c * spatial;
                float[] in = random(rnd, size), dOut = random(rnd, size);
                for (int i = 0; i < size; i++) in[i] = in[i] * 2f + 0.5f;
                float[] gamma = random(rnd, c);
                float[][] stats = batchStatistics(in, n, c, spatial);
                float[] mean = stats[0], invStd = stats[1];
                for (int variant = 0; variant < 8; variant++) {
                    boolean batchStats = (variant & 1) == 1, withDIn = (variant & 2) == 0, withParams = (variant & 4) == 0;
                    float[] e1 = withDIn ? random(rnd, size) : null, e2 = withParams ? random(rnd, c) : null;
                    float[] e3 = withParams ? random(rnd, c) : null;
                    float[] a1 = e1 == null ? null : e1.clone(), a2 = e2 == null ? null : e2.clone();
                    float[] a3 = e3 == null ? null : e3.clone();
                    float[] gm = variant % 3 == 0 ? null : gamma;
                    REF.batchNormBackward(e1, e2, e3, dOut, in, mean, invStd, gm, n, c, spatial, batchStats);
                    v.batchNormBackward(a1, a2, a3, dOut, in, mean, invStd, gm, n, c, spatial, batchStats);
                    String what = String.format("batchNormBackward n=%d c=%d spatial=%d batchStats=%b gamma=%b",
                            n, c, spatial, batchStats, gm != null);
                    if (withDIn) assertClose(e1, a1, n * spatial, what + " dIn");
                    if (withParams) {
                        assertClose(e2, a2, n * spatial, what + " dGamma");
                        assertClose(e3, a3, n * spatial, what + " dBeta");
                    }
                }
            }
        }
    }

    /** {mean, 1/sqrt(var + 1e-5)} per channel of in (n, c, spatial), by the reference. */
    private static float[][] batchStatistics(float[] in, int n, int c, int spatial) {
        float[] mean = new float[c], var = new float[c], invStd = new float[c];
        REF.channelMeanVar(mean, var, in, n, c, spatial);
        for (int ch = 0; ch < c; ch++) invStd[ch] = (float) (1 / Math.sqrt(var[ch] + 1e-5));
        return new float[][] {mean, invStd};
    }

    /**
     * The fused batch norm, residual and ReLU against the reference's separate operations, both
     * ways: with and without the residual and the ReLU, both statistics modes, every combination
     * of null gradient buffers; the rectified output has zeros (about half) and a NaN, whose
     * gradient, like a zero's, stops at the ReLU.
     */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void batchNormFusedMatchesReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(11);
        for (int spatial : new int[] {1, 7, 16, 33, 257}) {
            for (int[] nc : new int[][] {{1, 1}, {2, 5}, {3, 2}}) {
                int n = nc[0], c = nc[1], size = n * c * spatial;
                float[] in = random(rnd, size), dOut = random(rnd, size), gamma = random(rnd, c), beta = random(rnd, c);
                float[][] stats = batchStatistics(in, n, c, spatial);
                float[] mean = stats[0], invStd = stats[1];
                for (int variant = 0; variant < 16; variant++) {
                    boolean rectify = (variant & 1) == 1, withResidual = (variant & 2) == 2, batchStats = (variant & 4) == 4;
                    boolean withGrads = (variant & 8) == 0;
                    String what = String.format("batchNorm fused n=%d c=%d spatial=%d relu=%b residual=%b batchStats=%b",
                            n, c, spatial, rectify, withResidual, batchStats);
                    float[] residual = withResidual ? random(rnd, size) : null;
                    float[] expected = new float[size], actual = new float[size];
                    REF.batchNormForwardFused(expected, in, mean, invStd, gamma, beta, residual, rectify, n, c, spatial);
                    v.batchNormForwardFused(actual, in, mean, invStd, gamma, beta, residual, rectify, n, c, spatial);
                    assertClose(expected, actual, 1, what + " forward");
                    if (rectify && size > 1) actual[size / 2] = expected[size / 2] = Float.NaN;
                    float[] out = rectify ? expected : null;
                    float[] e1 = withGrads ? random(rnd, size) : null, e2 = withGrads ? random(rnd, c) : null;
                    float[] e3 = random(rnd, c), e4 = withResidual ? random(rnd, size) : null;
                    float[] a1 = e1 == null ? null : e1.clone(), a2 = e2 == null ? null : e2.clone(), a3 = e3.clone();
                    float[] a4 = e4 == null ? null : e4.clone();
                    REF.batchNormBackwardFused(e1, e2, e3, e4, dOut, out, in, mean, invStd, gamma, n, c, spatial, batchStats);
                    v.batchNormBackwardFused(a1, a2, a3, a4, dOut, out, in, mean, invStd, gamma, n, c, spatial, batchStats);
                    if (withGrads) {
                        assertClose(e1, a1, n * spatial, what + " dIn");
                        assertClose(e2, a2, n * spatial, what + " dGamma");
                    }
                    assertClose(e3, a3, n * spatial, what + " dBeta");
                    if (withResidual) assertClose(e4, a4, 1, what + " dResidual");
                }
            }
        }
    }

    /**
     * The zoo's geometries (2x2/2, 3x3/2 with and without padding and ceil mode, 3x3/1 pad 1, 1x1/2)
     * and awkward ones: odd sizes, stride different from the kernel, 1x1 planes, windows that are
     * only padding (dilation), count_include_pad off, rows wider than several vectors, 1-D pooling.
     */
    private static List<PoolGeometry> poolGeometries() {
        List<PoolGeometry> list = new ArrayList<>();
        list.add(PoolGeometry.of(2, 3, 28, 28, 2, 2, 0));                                      // LeNet S2
        list.add(PoolGeometry.of(2, 3, 10, 10, 2, 2, 0));                                      // LeNet S4
        list.add(PoolGeometry.of(2, 3, 7, 9, 2, 2, 0));                                        // odd sizes
        list.add(PoolGeometry.of(3, 5, 8, 71, 2, 2, 0));                                       // 2x2/2, rows of 2+ vectors, odd width
        list.add(PoolGeometry.of(1, 4, 23, 37, 3, 2, 1));                                      // ResNet stem pool
        list.add(new PoolGeometry(1, 3, 13, 15, 3, 3, 2, 2, 0, 0, 1, 1, true, true));          // AlexNet/GoogLeNet, ceil
        list.add(new PoolGeometry(1, 3, 14, 16, 3, 3, 2, 2, 1, 1, 1, 1, true, false));         // ceil, pad, exclude pad
        list.add(new PoolGeometry(2, 2, 9, 11, 3, 3, 1, 1, 1, 1, 1, 1, true, true));           // GoogLeNet 3x3/1 pad 1
        list.add(new PoolGeometry(1, 3, 12, 70, 3, 3, 1, 1, 1, 1, 1, 1, false, false));        // wide rows, exclude pad
        list.add(new PoolGeometry(1, 2, 9, 75, 2, 2, 2, 2, 0, 0, 1, 1, true, true));           // wide, odd width, ceil
        list.add(new PoolGeometry(1, 2, 7, 81, 5, 5, 2, 2, 2, 2, 1, 1, false, false));         // 5x5/2 pad 2
        list.add(PoolGeometry.of(2, 3, 8, 8, 1, 2, 0));                                        // 1x1 stride 2 (ResNet-CIFAR)
        list.add(new PoolGeometry(1, 3, 11, 19, 2, 3, 1, 2, 1, 1, 1, 1, false, true));         // 2x3, strides 1x2
        list.add(new PoolGeometry(1, 3, 17, 40, 3, 2, 2, 1, 0, 1, 1, 1, true, false));         // 3x2, strides 2x1
        list.add(new PoolGeometry(1, 2, 16, 50, 3, 3, 3, 3, 1, 1, 1, 1, true, true));          // stride 3: scalar
        list.add(new PoolGeometry(2, 3, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, false, true));           // 1x1 planes
        list.add(new PoolGeometry(2, 3, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, true, false));           // 1x1 plane, padded window
        list.add(new PoolGeometry(1, 2, 1, 45, 1, 3, 1, 2, 0, 1, 1, 1, false, true));          // 1-D
        return list;
    }

    /** Dilated geometries, max pooling only (PyTorch has no dilated average pooling). */
    private static List<PoolGeometry> dilatedPoolGeometries() {
        return List.of(
                new PoolGeometry(1, 3, 12, 40, 3, 3, 1, 1, 1, 1, 2, 2, false, true),           // dilation 2, stride 1
                new PoolGeometry(1, 3, 15, 41, 3, 2, 2, 2, 1, 1, 2, 3, true, true),            // dilation 2x3, ceil
                new PoolGeometry(2, 2, 1, 5, 2, 2, 1, 2, 1, 1, 2, 2, false, true));            // windows of padding only
    }

    /**
     * Inputs with ties (few distinct values), signed zeros, infinities and NaN, so that the argmax
     * rule (first maximum in window order, first NaN wins) is exercised.
     */
    private static float[] poolInput(Random rnd, int size, boolean special) {
        float[] x = new float[size];
        float[] specials = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f};
        for (int i = 0; i < size; i++) {
            x[i] = rnd.nextInt(5) - 2;                                                          // ties
            if (rnd.nextInt(3) == 0) x[i] = rnd.nextFloat() * 4f - 2f;
            if (special && rnd.nextInt(20) == 0) x[i] = specials[rnd.nextInt(specials.length)];
        }
        return x;
    }

    /** Max pooling: values (with and without argmax), argmax and the gradient equal the reference bit for bit. */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void maxPoolingIsBitIdenticalToReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(12);
        List<PoolGeometry> geometries = new ArrayList<>(poolGeometries());
        geometries.addAll(dilatedPoolGeometries());
        for (PoolGeometry g : geometries) {
            for (boolean special : new boolean[] {false, true}) {
                float[] in = poolInput(rnd, g.inputSize(), special);
                float[] eOut = new float[g.outputSize()], aOut = new float[g.outputSize()];
                int[] eArg = new int[g.outputSize()], aArg = new int[g.outputSize()];
                Arrays.fill(aOut, 42f); // forward overwrites
                Arrays.fill(aArg, 42);
                REF.maxPool2dForward(eOut, eArg, in, g);
                v.maxPool2dForward(aOut, aArg, in, g);
                assertArrayEquals(eOut, aOut, "maxPool2dForward special=" + special + " " + g);
                assertArrayEquals(eArg, aArg, "maxPool2dForward argmax special=" + special + " " + g);
                float[] valuesOnly = new float[g.outputSize()], refValuesOnly = new float[g.outputSize()];
                Arrays.fill(valuesOnly, 42f);
                v.maxPool2dForward(valuesOnly, null, in, g); // inference: no argmax, the same values
                REF.maxPool2dForward(refValuesOnly, null, in, g);
                assertArrayEquals(eOut, valuesOnly, "maxPool2dForward without argmax special=" + special + " " + g);
                assertArrayEquals(eOut, refValuesOnly, "reference maxPool2dForward without argmax " + g);
                float[] dOut = random(rnd, g.outputSize()), eIn = random(rnd, g.inputSize()), aIn = eIn.clone();
                REF.maxPool2dBackward(eIn, dOut, eArg, g);
                v.maxPool2dBackward(aIn, dOut, aArg, g);
                assertArrayEquals(eIn, aIn, "maxPool2dBackward " + g);
            }
        }
    }

    /** Average pooling sums the same values in the same order and divides the same way: bit-identical too. */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void avgPoolingIsBitIdenticalToReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(14);
        for (PoolGeometry g : poolGeometries()) {
            for (boolean includePad : new boolean[] {true, false}) {
                PoolGeometry pg = new PoolGeometry(g.n(), g.c(), g.h(), g.w(), g.kh(), g.kw(), g.strideH(), g.strideW(),
                        g.padH(), g.padW(), 1, 1, g.ceilMode(), includePad);
                float[] in = random(rnd, pg.inputSize());
                float[] eOut = new float[pg.outputSize()], aOut = new float[pg.outputSize()];
                Arrays.fill(aOut, Float.NaN); // forward overwrites
                REF.avgPool2dForward(eOut, in, pg);
                v.avgPool2dForward(aOut, in, pg);
                assertArrayEquals(eOut, aOut, "avgPool2dForward " + pg);
                float[] dOut = random(rnd, pg.outputSize()), eIn = random(rnd, pg.inputSize()), aIn = eIn.clone();
                REF.avgPool2dBackward(eIn, dOut, pg);
                v.avgPool2dBackward(aIn, dOut, pg);
                assertArrayEquals(eIn, aIn, "avgPool2dBackward " + pg);
            }
        }
    }

    /**
     * Window sizes odd and even (their forward and backward windows differ), more and fewer channels
     * than the window, positions around the vector widths and past one 256-position block, several
     * exponents; and k = 0 with zero inputs, where scale is 0 and the result NaN as in the reference.
     */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void lrnMatchesReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(13);
        float[][] params = {{1e-2f, 0.75f, 2f}, {1e-4f, 0.75f, 1f}, {0.5f, 0.5f, 1f}, {2f, 1.3f, 0.5f}, {1e-3f, -0.25f, 3f}};
        int[][] shapes = {{2, 5, 33}, {1, 1, 17}, {2, 3, 1}, {1, 7, 300}, {3, 8, 64}, {1, 12, 529}};
        int count = 0;
        for (int[] shape : shapes) {
            for (int size : new int[] {1, 2, 3, 5, 6}) {
                float[] p = params[count++ % params.length];
                checkLrn(v, rnd, shape[0], shape[1], shape[2], size, p[0], p[1], p[2], false);
            }
        }
        checkLrn(v, rnd, 2, 4, 40, 3, 1e-2f, 0.75f, 0f, true);
    }

    private static void checkLrn(Kernels v, Random rnd, int n, int c, int spatial, int size, float alpha, float beta,
                                 float k, boolean zeros) {
        float[] in = random(rnd, n * c * spatial), dOut = random(rnd, n * c * spatial);
        if (zeros) Arrays.fill(in, 0, spatial + 3, 0f);
        for (int i = 0; i < in.length; i += 7) in[i] *= 10f;
        float[] eOut = new float[in.length], eScale = new float[in.length];
        float[] aOut = new float[in.length], aScale = new float[in.length];
        REF.lrnForward(eOut, eScale, in, n, c, spatial, size, alpha, beta, k);
        v.lrnForward(aOut, aScale, in, n, c, spatial, size, alpha, beta, k);
        String what = String.format("lrn n=%d c=%d spatial=%d size=%d alpha=%s beta=%s k=%s", n, c, spatial, size,
                alpha, beta, k);
        assertClose(eScale, aScale, size, what + " scale");
        assertClose(eOut, aOut, size, what + " out");
        float[] eD = random(rnd, in.length), aD = eD.clone();
        REF.lrnBackward(eD, dOut, in, eOut, eScale, n, c, spatial, size, alpha, beta, k);
        v.lrnBackward(aD, dOut, in, eOut, eScale, n, c, spatial, size, alpha, beta, k);
        assertClose(eD, aD, size, what + " backward");
    }

    // ------------------------------------------------------------------ activations

    /** Each activation with the parameters worth testing (negative slopes, alpha other than 1). */
    private static final Object[][] ACTIVATIONS = {
        {Activation.EXP, 0f}, {Activation.TANH, 0f}, {Activation.SIGMOID, 0f}, {Activation.RELU, 0f},
        {Activation.LEAKY_RELU, 0.01f}, {Activation.LEAKY_RELU, -0.3f}, {Activation.ELU, 1f}, {Activation.ELU, 0.5f},
        {Activation.SELU, 0f}};

    /**
     * Inputs whose results the vector kernels must reproduce bit for bit: NaN, infinities, signed
     * zeros, subnormals and tiny values, and values where exp, tanh and sigmoid saturate (overflow,
     * underflow to 0, rounding to +-1).
     */
    private static final float[] SPECIAL_INPUTS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
        Float.MIN_VALUE, -Float.MIN_VALUE, 1e-40f, -1e-40f, 1e-30f, -1e-30f, 88.8f, 89f, 100f, -104f, -200f, 9.5f, -9.5f,
        Float.MAX_VALUE, -Float.MAX_VALUE};

    /** Inputs across every regime: the random range covers saturation of tanh and sigmoid and e^x's exponent range. */
    private static float[] activationInputs(Random rnd, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = switch (i % 4) {
                case 0 -> (rnd.nextFloat() * 2f - 1f) * 2f;
                case 1 -> (rnd.nextFloat() * 2f - 1f) * 20f;
                case 2 -> (rnd.nextFloat() * 2f - 1f) * 100f;
                default -> SPECIAL_INPUTS[rnd.nextInt(SPECIAL_INPUTS.length)];
            };
        }
        return x;
    }

    /** Sizes of the activation tests: tails of every width, and above the 16k parallel grain. */
    private static final int[] ACTIVATION_SIZES = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 255, 257, 40_001};

    /**
     * Forward maps within 3 floats of the reference (each is within 2 of the exact value, the
     * reference within 1), NaN where it has NaN, and bit-identical on {@link #SPECIAL_INPUTS}; the
     * output is overwritten.
     */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void activationForwardMatchesReference(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(14);
        for (Object[] a : ACTIVATIONS) {
            Activation f = (Activation) a[0];
            float param = (float) a[1];
            for (int len : ACTIVATION_SIZES) {
                float[] in = activationInputs(rnd, len);
                float[] expected = new float[len], actual = new float[len];
                Arrays.fill(actual, 42f);
                REF.activationForward(f, expected, in, len, param);
                v.activationForward(f, actual, in, len, param);
                assertWithinFloats(expected, actual, in, 3, f + " param=" + param + " len=" + len);
            }
            float[] expected = new float[SPECIAL_INPUTS.length], actual = new float[SPECIAL_INPUTS.length];
            REF.activationForward(f, expected, SPECIAL_INPUTS, SPECIAL_INPUTS.length, param);
            v.activationForward(f, actual, SPECIAL_INPUTS, SPECIAL_INPUTS.length, param);
            for (int i = 0; i < expected.length; i++) {
                float x = SPECIAL_INPUTS[i];
                assertEquals(expected[i], actual[i], () -> f + " param=" + param + " of the special input " + x);
            }
        }
    }

    /**
     * The backward passes use the reference's formulas operation for operation, so they must match
     * it bit for bit, and accumulate into dIn (which starts non-zero, with some -0 that ReLU must keep).
     */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void activationBackwardMatchesReferenceBitForBit(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(15);
        for (Object[] a : ACTIVATIONS) {
            Activation f = (Activation) a[0];
            float param = (float) a[1];
            for (int len : ACTIVATION_SIZES) {
                float[] in = activationInputs(rnd, len), out = new float[len];
                REF.activationForward(f, out, in, len, param);
                float[] dOut = activationInputs(rnd, len);
                float[] expected = random(rnd, len);
                for (int i = 0; i < len; i += 5) expected[i] = -0f;
                float[] actual = expected.clone();
                REF.activationBackward(f, expected, dOut, in, out, len, param);
                v.activationBackward(f, actual, dOut, in, out, len, param);
                assertArrayEquals(expected, actual, f + " backward param=" + param + " len=" + len);
            }
        }
    }

    /**
     * Each element is computed alone with the same arithmetic (whole vectors, and masked vectors for
     * the tail): the same input gives the same bits at 128, 256 and 512 bits and at any position.
     */
    @Test
    void activationForwardIsBitIdenticalAtEveryWidthAndPosition() {
        Random rnd = new Random(16);
        int len = 1001;
        float[] in = activationInputs(rnd, len);
        float[] shifted = new float[len + 3];
        System.arraycopy(in, 0, shifted, 3, len);
        for (Object[] a : ACTIVATIONS) {
            Activation f = (Activation) a[0];
            float param = (float) a[1];
            float[] first = new float[len];
            vector(128).activationForward(f, first, in, len, param);
            for (int bits : new int[] {256, 512}) {
                float[] out = new float[len];
                vector(bits).activationForward(f, out, in, len, param);
                assertArrayEquals(first, out, f + " at " + bits + " bits against 128 bits");
            }
            float[] out = new float[len + 3];
            vector(512).activationForward(f, out, shifted, len + 3, param);
            assertArrayEquals(first, Arrays.copyOfRange(out, 3, len + 3), f + " shifted by 3 elements");
        }
    }

    /**
     * Distance from the exact value (Math in double) rounded to float, over every 4093rd float: the
     * bounds of the exhaustive sweep quoted in SimdImpl ({@link ActivationAccuracy}).
     */
    @Test
    void activationForwardIsWithinTheStatedFloatsOfTheExactValue() {
        Kernels v = new VectorKernels();
        Object[][] bounds = {{Activation.EXP, 1f, 1}, {Activation.TANH, 0f, 2}, {Activation.SIGMOID, 0f, 2},
            {Activation.ELU, 1f, 1}, {Activation.SELU, 0f, 2}, {Activation.RELU, 0f, 0}, {Activation.LEAKY_RELU, 0.01f, 0}};
        for (Object[] b : bounds) {
            ActivationAccuracy.Result r = ActivationAccuracy.measure(v, (Activation) b[0], (float) b[1], 4093);
            assertTrue(r.checked() > 1_000_000, "the sweep checked too few values: " + r);
            assertTrue(r.maxDistance() <= (int) b[2], "expected at most " + b[2] + " floats from the exact value; " + r);
        }
    }

    /** |actual - expected| at most {@code floats} floats apart (NaN must match NaN), reporting the input. */
    private static void assertWithinFloats(float[] expected, float[] actual, float[] in, int floats, String what) {
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i], a = actual[i];
            boolean ok = Float.isNaN(e) ? Float.isNaN(a) : !Float.isNaN(a) && ActivationAccuracy.distance(e, a) <= floats;
            if (!ok) {
                fail(String.format("%s: [%d] input %s expected %s got %s (more than %d floats apart)",
                        what, i, in[i], e, a, floats));
            }
        }
    }

    // ------------------------------------------------------------------ optimizer updates

    /** Gradients with a NaN now and then: the update must treat it exactly as the reference does. */
    private static float[] gradients(Random rnd, int len) {
        float[] g = random(rnd, len);
        for (int i = 0; i < len; i += 97) g[i] = i % 2 == 0 ? Float.NaN : 0f;
        return g;
    }

    private static float[] nonNegative(Random rnd, int len) {
        float[] x = random(rnd, len);
        for (int i = 0; i < len; i++) x[i] = Math.abs(x[i]) * 0.01f;
        return x;
    }

    /** Same operations in the same order as the reference: every buffer must match it bit for bit. */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void adamUpdateMatchesReferenceBitForBit(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(18);
        for (int len : ACTIVATION_SIZES) {
            for (boolean amsgrad : new boolean[] {false, true}) {
                float[] g = gradients(rnd, len);
                float[][] expected = {random(rnd, len), random(rnd, len), nonNegative(rnd, len), nonNegative(rnd, len)};
                float[][] actual = {expected[0].clone(), expected[1].clone(), expected[2].clone(), expected[3].clone()};
                // the coefficients Adam forms at step 3 with lr 1e-2 and betas (0.9, 0.999)
                float negStep = (float) -(1e-2 / (1 - Math.pow(0.9, 3))), bc2Sqrt = (float) Math.sqrt(1 - Math.pow(0.999, 3));
                REF.adamUpdate(expected[0], g, expected[1], expected[2], amsgrad ? expected[3] : null, len,
                        0.9f, (float) (1 - 0.9), 0.999f, (float) (1 - 0.999), negStep, bc2Sqrt, 1e-8f);
                v.adamUpdate(actual[0], g, actual[1], actual[2], amsgrad ? actual[3] : null, len,
                        0.9f, (float) (1 - 0.9), 0.999f, (float) (1 - 0.999), negStep, bc2Sqrt, 1e-8f);
                String[] names = {"w", "m", "v", "vMax"};
                for (int b = 0; b < 4; b++) {
                    assertArrayEquals(expected[b], actual[b], "adamUpdate " + names[b] + " len=" + len + " amsgrad=" + amsgrad);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void sgdMomentumUpdateMatchesReferenceBitForBit(int bits) {
        Kernels v = vector(bits);
        Random rnd = new Random(19);
        for (int len : ACTIVATION_SIZES) {
            for (int variant = 0; variant < 4; variant++) {
                boolean firstStep = (variant & 1) == 1, nesterov = variant >= 2;
                float[] g = gradients(rnd, len);
                float[] ew = random(rnd, len), eb = firstStep ? new float[len] : random(rnd, len);
                float[] aw = ew.clone(), ab = eb.clone();
                REF.sgdMomentumUpdate(ew, g, eb, len, -0.05f, 0.9f, 0.9f, firstStep, nesterov);
                v.sgdMomentumUpdate(aw, g, ab, len, -0.05f, 0.9f, 0.9f, firstStep, nesterov);
                String what = " len=" + len + " firstStep=" + firstStep + " nesterov=" + nesterov;
                assertArrayEquals(ew, aw, "sgdMomentumUpdate w" + what);
                assertArrayEquals(eb, ab, "sgdMomentumUpdate buffer" + what);
            }
        }
    }

    // ------------------------------------------------------------------ thread-count independence

    @Test
    void resultsAreBitIdenticalWithOneTwoAndThreeThreads() {
        Kernels v = new VectorKernels();
        Random rnd = new Random(11);
        float[] a = random(rnd, 300 * 600), b = random(rnd, 600 * 1700);
        ConvGeometry g5 = ConvGeometry.of(5, 16, 20, 20, 24, 3, 1, 1);
        ConvGeometry g1 = ConvGeometry.of(1, 64, 30, 30, 64, 3, 1, 1); // one image: the GEMMs themselves go parallel
        ConvGeometry g6 = ConvGeometry.of(6, 24, 7, 7, 32, 3, 1, 1); // a wide weight gradient over the batch
        ConvGeometry g7 = ConvGeometry.of(4, 8, 15, 15, 16, 5, 2, 2); // stride 2, 25 taps: polyphase implicit GEMM
        ConvGeometry g8 = ConvGeometry.of(6, 8, 33, 33, 16, 3, 2, 1); // stride 2, 9 taps: im2col, 6 weight-gradient chunks
        ConvGeometry g9 = ConvGeometry.of(2, 60, 26, 26, 80, 3, 1, 1); // weight gradient from windows (under 64 channels): runs of tiles
        ConvGeometry g10 = ConvGeometry.of(5, 12, 28, 28, 48, 3, 1, 1); // the same, positions in parts
        ConvGeometry g11 = ConvGeometry.of(2, 24, 45, 45, 70, 3, 2, 1); // forward channels-last, runs of tiles
        ConvGeometry g12 = ConvGeometry.of(2, 40, 9, 9, 70, 3, 1, 1); // forward and input gradient channels-last
        ConvGeometry g13 = ConvGeometry.of(5, 24, 30, 30, 48, 1, 1, 0); // 1x1 weight gradient in place, in parts
        ConvGeometry g14 = ConvGeometry.of(18, 4, 32, 32, 128, 3, 1, 1); // forward in 6 parts of 3 images: whole parts per thread
        // Winograd at 512 bits (g1 forward and both gradients too, g9 and g12 forward): blocks of tiles per thread, and the
        // weight gradient by F(4x4, 3x3), its 288 tiles in 2 parts of 227 (g1's by F(3x3, 2x2): 64 tiles of 4 x 4 are too shallow)
        ConvGeometry g15 = ConvGeometry.of(8, 128, 23, 22, 128, 3, 1, 1);
        // small weight gradients summed over 2 ranges of images: 9 tiles of 6 x 3 (LeNet-5's C1), 14 of 4 x 4
        ConvGeometry g16 = ConvGeometry.of(6, 1, 20, 20, 6, 5, 1, 0);
        ConvGeometry g17 = ConvGeometry.of(7, 3, 12, 12, 8, 3, 1, 1);
        float[] in5 = random(rnd, g5.inputSize()), w5 = random(rnd, g5.weightSize()), d5 = random(rnd, g5.outputSize());
        float[] in1 = random(rnd, g1.inputSize()), w1 = random(rnd, g1.weightSize()), d1 = random(rnd, g1.outputSize());
        float[] in6 = random(rnd, g6.inputSize()), w6 = random(rnd, g6.weightSize()), d6 = random(rnd, g6.outputSize());
        float[] in7 = random(rnd, g7.inputSize()), w7 = random(rnd, g7.weightSize()), d7 = random(rnd, g7.outputSize());
        float[] in8 = random(rnd, g8.inputSize()), w8 = random(rnd, g8.weightSize()), d8 = random(rnd, g8.outputSize());
        float[] in9 = random(rnd, g9.inputSize()), w9 = random(rnd, g9.weightSize()), d9 = random(rnd, g9.outputSize());
        float[] in10 = random(rnd, g10.inputSize()), w10 = random(rnd, g10.weightSize()), d10 = random(rnd, g10.outputSize());
        float[] in11 = random(rnd, g11.inputSize()), w11 = random(rnd, g11.weightSize()), d11 = random(rnd, g11.outputSize());
        float[] in12 = random(rnd, g12.inputSize()), w12 = random(rnd, g12.weightSize()), d12 = random(rnd, g12.outputSize());
        float[] in13 = random(rnd, g13.inputSize()), w13 = random(rnd, g13.weightSize()), d13 = random(rnd, g13.outputSize());
        float[] in14 = random(rnd, g14.inputSize()), w14 = random(rnd, g14.weightSize()), d14 = random(rnd, g14.outputSize());
        float[] in15 = random(rnd, g15.inputSize()), w15 = random(rnd, g15.weightSize()), d15 = random(rnd, g15.outputSize());
        float[] in16 = random(rnd, g16.inputSize()), w16 = random(rnd, g16.weightSize()), d16 = random(rnd, g16.outputSize());
        float[] in17 = random(rnd, g17.inputSize()), w17 = random(rnd, g17.weightSize()), d17 = random(rnd, g17.outputSize());
        List<Consumer<List<float[]>>> work = List.of(
                out -> out.add(gemmOut(v, false, false, 300, 1100, 600, a, b)),
                out -> out.add(gemmOut(v, true, true, 300, 550, 600, a, b)),
                out -> out.add(gemmOut(v, false, true, 1, 1100, 600, a, b)),
                out -> out.add(gemmOut(v, false, true, 22, 1100, 900, a, b)),
                out -> out.add(gemmOut(v, true, false, 600, 1, 300, a, b)),
                out -> {
                    for (var geo : List.of(new Object[] {g5, in5, w5, d5}, new Object[] {g1, in1, w1, d1}, new Object[] {g6, in6, w6, d6},
                            new Object[] {g7, in7, w7, d7}, new Object[] {g8, in8, w8, d8}, new Object[] {g9, in9, w9, d9},
                            new Object[] {g10, in10, w10, d10}, new Object[] {g11, in11, w11, d11},
                            new Object[] {g12, in12, w12, d12}, new Object[] {g13, in13, w13, d13},
                            new Object[] {g14, in14, w14, d14}, new Object[] {g15, in15, w15, d15},
                            new Object[] {g16, in16, w16, d16}, new Object[] {g17, in17, w17, d17})) {
                        ConvGeometry g = (ConvGeometry) geo[0];
                        float[] in = (float[]) geo[1], w = (float[]) geo[2], d = (float[]) geo[3];
                        float[] y = new float[g.outputSize()], dIn = new float[g.inputSize()];
                        float[] dW = new float[g.weightSize()], dB = new float[g.oc()];
                        v.conv2dForward(y, in, w, null, g);
                        v.conv2dBackwardInput(dIn, d, w, g);
                        v.conv2dBackwardWeight(dW, dB, d, in, g);
                        out.addAll(List.of(y, dIn, dW, dB));
                    }
                },
                out -> {
                    for (PoolGeometry g : List.of(PoolGeometry.of(64, 6, 28, 28, 2, 2, 0), PoolGeometry.of(2, 64, 23, 41, 3, 2, 1),
                            new PoolGeometry(3, 40, 13, 15, 3, 3, 2, 2, 0, 0, 1, 1, true, false),
                            new PoolGeometry(2, 30, 12, 40, 3, 3, 1, 1, 1, 1, 2, 2, false, true))) {
                        float[] in = poolInput(new Random(g.hashCode()), g.inputSize(), true);
                        float[] d = random(new Random(g.hashCode() + 1), g.outputSize());
                        float[] y = new float[g.outputSize()], dIn = new float[g.inputSize()];
                        int[] arg = new int[g.outputSize()];
                        v.maxPool2dForward(y, arg, in, g);
                        v.maxPool2dBackward(dIn, d, arg, g);
                        float[] argAsFloat = new float[arg.length];
                        for (int i = 0; i < arg.length; i++) argAsFloat[i] = arg[i];
                        out.addAll(List.of(y, argAsFloat, dIn));
                        if (g.dilationH() == 1) {
                            float[] ya = new float[g.outputSize()], dInA = new float[g.inputSize()];
                            v.avgPool2dForward(ya, in, g);
                            v.avgPool2dBackward(dInA, d, g);
                            out.addAll(List.of(ya, dInA));
                        }
                    }
                },
                out -> {
                    float[] mean = new float[16], var = new float[16], invStd = new float[16];
                    v.channelMeanVar(mean, var, in5, 5, 16, 400);
                    for (int ch = 0; ch < 16; ch++) invStd[ch] = (float) (1 / Math.sqrt(var[ch] + 1e-5));
                    for (boolean batchStats : new boolean[] {false, true}) {
                        float[] dIn = new float[in5.length], dGamma = new float[16], dBeta = new float[16];
                        v.batchNormBackward(dIn, dGamma, dBeta, d5, in5, mean, invStd, var, 5, 16, 400, batchStats);
                        out.addAll(List.of(dIn, dGamma, dBeta));
                    }
                    float[] lrnOut = new float[in5.length], scale = new float[in5.length], dIn = new float[in5.length];
                    v.lrnForward(lrnOut, scale, in5, 5, 16, 400, 5, 1e-2f, 0.75f, 2f);
                    v.lrnBackward(dIn, in5, in5, lrnOut, scale, 5, 16, 400, 5, 1e-2f, 0.75f, 2f);
                    out.addAll(List.of(lrnOut, scale, dIn));
                },
                out -> {
                    float[] y = new float[in5.length];
                    v.logSoftmaxRows(y, in5, 160, 200);
                    float[] mean = new float[16], var = new float[16];
                    v.channelMeanVar(mean, var, in5, 5, 16, 400);
                    float[] bn = new float[in5.length];
                    v.batchNormForward(bn, in5, mean, var, mean, var, 5, 16, 400);
                    out.addAll(List.of(y, mean, var, bn));
                },
                out -> { // 100,000 elements: 6 chunks of the 16k activation grain
                    float[] x = activationInputs(new Random(17), 100_000);
                    for (Object[] act : ACTIVATIONS) {
                        Activation f = (Activation) act[0];
                        float param = (float) act[1];
                        float[] y = new float[x.length], dx = new float[x.length];
                        v.activationForward(f, y, x, x.length, param);
                        v.activationBackward(f, dx, x, x, y, x.length, param);
                        out.addAll(List.of(y, dx));
                    }
                    float[] grad = random(new Random(20), x.length);
                    float[] w = x.clone(), m = new float[x.length], s = new float[x.length], vMax = new float[x.length];
                    for (int step = 1; step <= 2; step++) {
                        v.adamUpdate(w, grad, m, s, vMax, x.length, 0.9f, 0.1f, 0.999f, 0.001f, -0.01f, 0.03f, 1e-8f);
                    }
                    float[] ws = x.clone(), buffer = new float[x.length];
                    v.sgdMomentumUpdate(ws, grad, buffer, x.length, -0.1f, 0.9f, 1f, true, true);
                    v.sgdMomentumUpdate(ws, grad, buffer, x.length, -0.1f, 0.9f, 1f, false, true);
                    out.addAll(List.of(w, m, s, vMax, ws, buffer));
                });
        List<float[]> one = run(1, work), two = run(2, work), three = run(3, work);
        assertTrue(one.size() > 10);
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i), two.get(i), "result " + i + " differs between 1 and 2 threads");
            assertArrayEquals(one.get(i), three.get(i), "result " + i + " differs between 1 and 3 threads");
        }
    }

    private static List<float[]> run(int threads, List<Consumer<List<float[]>>> work) {
        List<float[]> out = new ArrayList<>();
        Parallel.withThreads(threads, () -> work.forEach(w -> w.accept(out)));
        return out;
    }

    private static float[] gemmOut(Kernels v, boolean transA, boolean transB, int m, int n, int k, float[] a, float[] b) {
        float[] c = new float[m * n];
        v.gemm(transA, transB, m, n, k, 1f, a, 0, transA ? m : k, b, 0, transB ? k : n, 0f, c, 0, n);
        return c;
    }

    // ------------------------------------------------------------------ references and helpers

    private static float[] random(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = rnd.nextFloat() * 2f - 1f;
        return x;
    }

    /**
     * Element-wise {@code |actual - expected| <= 1e-5 * max(1, reduction) * (1 + |expected|)}; NaN must
     * match NaN (untouched padding of C stays NaN).
     */
    private static void assertClose(float[] expected, float[] actual, int reduction, String what) {
        double tol = 1e-5 * Math.max(1, reduction);
        double maxDiff = 0;
        StringBuilder firstBad = new StringBuilder();
        int bad = 0;
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i], a = actual[i];
            boolean ok = Float.isNaN(e) ? Float.isNaN(a) : Math.abs(a - e) <= tol * (1 + Math.abs(e));
            if (!Float.isNaN(e)) maxDiff = Math.max(maxDiff, Float.isNaN(a) ? Double.POSITIVE_INFINITY : Math.abs(a - e));
            if (!ok && bad++ < 5) firstBad.append(String.format(" [%d] expected %s got %s;", i, e, a));
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + expected.length + " elements differ, maxDiff " + maxDiff
                    + " (tolerance " + tol + " relative+absolute):" + firstBad);
        }
    }
}
