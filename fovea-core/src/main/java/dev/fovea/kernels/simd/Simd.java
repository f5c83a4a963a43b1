package dev.fovea.kernels.simd;

import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.HashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The innermost SIMD loops of {@link VectorKernels}, for one vector species fixed per class.
 *
 * <p>Why a class per species: C2 intrinsifies Vector API calls only when the species is a
 * compile-time constant, which in practice means a {@code static final} field. Reading the species
 * from an instance field made an 8x32 SGEMM micro-kernel about 100 times slower on AVX-512
 * (1.4 instead of 160 GFLOP/s, measured on this project's build machine), because every vector is
 * then boxed. So {@link SimdImpl} keeps its species in a {@code static final} field and, for a
 * species other than the preferred one, a copy of it is defined as a hidden class whose class data
 * is the species ({@link MethodHandles.Lookup#defineHiddenClassWithClassData}). The preferred
 * species, the production case, uses the ordinary class. Instances are cached per species.
 *
 * <p>Micro-kernel contract: {@link #kernel} multiplies a packed {@code mr x kc} panel of A
 * (column after column, {@code mr} values each) by a packed {@code kc x nr} panel of B (row after
 * row, {@code nr} values each) and stores {@code alpha * acc + beta * c} into a full
 * {@code mr x nr} tile of C; {@code beta == 0} never reads C.
 */
abstract class Simd {

    private static final Map<VectorSpecies<Float>, Simd> CACHE = new HashMap<>();

    /** The SIMD loops for {@code species}, created once per species. */
    static synchronized Simd forSpecies(VectorSpecies<Float> species) {
        if (species.elementType() != float.class) {
            throw new IllegalArgumentException("VectorKernels expects a float species; received " + species);
        }
        return CACHE.computeIfAbsent(species, Simd::create);
    }

    private static Simd create(VectorSpecies<Float> species) {
        if (species.equals(FloatVector.SPECIES_PREFERRED)) return new SimdImpl();
        try (InputStream in = Simd.class.getResourceAsStream("SimdImpl.class")) {
            if (in == null) throw new IllegalStateException("class file SimdImpl.class not found");
            MethodHandles.Lookup lookup = MethodHandles.lookup()
                    .defineHiddenClassWithClassData(in.readAllBytes(), species, true);
            return (Simd) lookup.findConstructor(lookup.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (Error e) {
            throw e;
        } catch (Throwable e) { // IOException, ReflectiveOperationException, or whatever the constructor threw
            throw new IllegalStateException("could not build the SIMD kernels for " + species, e);
        }
    }

    /** Floats per vector. */
    abstract int lanes();

    /** Rows of the micro-tile. */
    abstract int mr();

    /** Columns of the micro-tile (a multiple of {@link #lanes()}). */
    abstract int nr();

    /** {@code c[cOff + r*ldc + j] = alpha * sum_p a[aOff + p*mr + r] * b[bOff + p*nr + j] + beta * c[...]}. */
    abstract void kernel(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc,
                         float alpha, float beta);

    /**
     * A 4 x 4 tile of {@code alpha * A * B^T + beta * C} from unpacked rows: {@code c[cOff + r*ldc + j] =
     * alpha * sum_{p < kc} a[aOff + r*lda + p] * b[bOff + j*ldb + p] + beta * c[...]}, vectors running
     * along k (dot-product form, for operands whose rows are contiguous along k). {@code lanes} is
     * scratch of at least {@code 16 * lanes()} floats.
     */
    abstract void kernelDot(int kc, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
                            int ldc, float alpha, float beta, float[] lanes);

    /** Whether {@link #kernelRows} and {@link #kernelWindows} exist for this species (8-row tiles only). */
    abstract boolean hasRowsKernel();

    /**
     * {@link #kernel} with B read in place, each row a window of the array that also holds the A
     * panel: {@code c[cOff + r*ldc + j] = sum over p < kc of data[aOff + p*mr + r] * data[offsets[p] + j0 + j]}
     * for {@code r < mr, j < nr} (alpha 1, beta 0; C is write-only). For products with at most a
     * few row panels, where each packed B value would serve only 8 or 16 multiply-adds and packing
     * costs as much as the arithmetic ({@link ImplicitConv}).
     */
    abstract void kernelWindows(int kc, float[] data, int aOff, int[] offsets, int j0, float[] c, int cOff, int ldc);

    /**
     * {@link #kernelWindows} over {@code 3 * lanes()} columns with the weight panel in the same
     * array as the windows: {@code c[cOff + r*ldc + j] = sum over p < kc of data[aOff + p*mr + r] *
     * data[starts[p] + j]} for {@code r < mr, j < 3 * lanes()}.
     */
    abstract void kernelWindowsWide(int kc, float[] data, int aOff, int[] starts, float[] c, int cOff, int ldc);

    /**
     * An {@code mr x 3*lanes()} tile of a product whose right operand is read in place, rows
     * {@code ldx} apart (a 1x1 convolution's image, channels by positions): {@code c[cOff + r*ldc + j]
     * (+)= sum over p < kc of a[aOff + p*mr + r] * x[xOff + p*ldx + j]}, adding to the tile when
     * {@code add}, for {@code r < mr, j < 3 * lanes()}.
     */
    abstract void kernelRowsWide(int kc, float[] a, int aOff, float[] x, int xOff, int ldx, float[] c, int cOff,
                                 int ldc, boolean add);

    /**
     * {@link #kernelRowsWide} over {@code lanes()} columns: the last tile of a row whose length
     * is not a multiple of {@code 3 * lanes()} (a 28x28 map's 784 positions are 16 tiles of 48 and
     * one of 16). A last tile of two vectors is a packed panel for {@link #kernel}.
     */
    abstract void kernelRowsNarrow(int kc, float[] a, int aOff, float[] x, int xOff, int ldx, float[] c, int cOff,
                                   int ldc, boolean add);

    /**
     * The weight-gradient counterpart of {@link #kernelWindowsWide}: a tile of 6 rows of the
     * transposed weight gradient by {@code 4 * lanes()} output channels, accumulated over kc
     * output positions. Row r's window is in data, the output gradient (transposed: one row of
     * {@code 4 * lanes()} channels per position) in g (the same array, for the weight gradient):
     * {@code c[cOff + r*ldc + j] += sum over p < kc of data[starts[startsOff + r] + q0 + p] *
     * g[gOff + p*4*lanes() + j]} for {@code r < 6, j < 4 * lanes()}. The channels-last forward
     * ({@link ImplicitConv#forwardChannelsLast}) calls it with the roles turned: six output
     * positions' windows times the transposed weight.
     */
    abstract void kernelGradientWindows(int kc, float[] data, int[] starts, int startsOff, int q0, float[] g, int gOff,
                                        float[] c, int cOff, int ldc);

    /**
     * {@link #kernel} with A read in place: row r of the tile is {@code a[aOff + r*lda + p]} for
     * {@code p < kc}, instead of a packed panel.
     */
    abstract void kernelRows(int kc, float[] a, int aOff, int lda, float[] b, int bOff, float[] c, int cOff, int ldc,
                             float alpha, float beta);

    /**
     * A 4 x 4 tile of dot products summed lane-wise over {@code count} pairs of operands, without
     * reducing the lanes: for the rows of a at {@code a0..a3} and of b at {@code b0..b3}, shifted by
     * {@code i*aStep} and {@code i*bStep} for the i-th pair,
     * {@code lanes[(r*4 + j)*V + l] = sum over i < count, then p = l (mod V), p < len, of
     * a[a_r + i*aStep + p] * b[b_j + i*bStep + p]}, with {@code len} a multiple of {@link #lanes()}.
     * The pairs are the images of a batch: the 16 sums stay in registers across all of them, and
     * the lanes are reduced once, by the caller ({@link ImplicitConv#weightGradient}).
     */
    abstract void dotTile(int len, int count, float[] a, int a0, int a1, int a2, int a3, int aStep, float[] b, int b0,
                          int b1, int b2, int b3, int bStep, float[] lanes);

    /**
     * {@link #dotTile} for 6 rows of a, {@code a0 + r*aRow} for {@code r < 6}, by 3 of b: {@code
     * lanes[(r*3 + j)*V + l]}, for layers with six output channels (LeNet-5's C1), where 4 x 4 tiles
     * leave a quarter of the rows empty.
     */
    abstract void dotTile6x3(int len, int count, float[] a, int a0, int aRow, int aStep, float[] b, int b0, int b1,
                             int b2, int bStep, float[] lanes);

    /**
     * Packs {@code rows} rows of {@code w <= width} floats, read with stride {@code ld} from
     * {@code src[srcOff]}, into rows of exactly {@code width} floats at {@code dst[dstOff]}, zero-padded.
     * Writes nothing outside {@code dst[dstOff : dstOff + rows*width)}.
     */
    abstract void packRows(float[] src, int srcOff, int ld, int rows, int w, int width, float[] dst, int dstOff);

    /**
     * Packs a full transposed panel with gathers: {@code dst[dstOff + p*width + j] = src[srcOff + index[indexOff + j] + p]}
     * for {@code p < rows, j < width}; {@code index} holds the start of each source row (e.g. {@code j*ld})
     * and valid offsets (e.g. 0) beyond, up to a multiple of {@link #lanes()}. Writes nothing outside {@code dst[dstOff : dstOff + rows*width)}.
     */
    abstract void packColumns(float[] src, int srcOff, int rows, int width, int[] index, int indexOff, float[] dst,
                              int dstOff);

    /**
     * {@link #kernelWindows} for a single row of A: {@code c[cOff + j] = sum over p < kc of
     * a[aOff + p] * src[offsets[p] + j0 + j]} for {@code j < nr}, the sum taken as four
     * partial sums over p mod 4, added at the end. For the input gradient of a one-channel first
     * layer (LeNet-5's C1), where an 8-row tile would waste 7 rows.
     */
    abstract void kernelWindows1(int kc, float[] a, int aOff, float[] src, int[] offsets, int j0, float[] c, int cOff);

    /**
     * The input transform of Winograd's F(2x2, 3x3) ({@link Winograd}), {@code V = B^T d B} for
     * {@code count} channels at once (a multiple of {@link #lanes()}): the 4 x 4 input tile is
     * {@code d[i][j] = x[at + i*rowStride + j*colStride + c]}, and point {@code k = 4*i + j} of the
     * result goes to {@code v[vAt + k*pointStride + c]}.
     */
    abstract void winogradInput(float[] x, int at, int rowStride, int colStride, int count, float[] v, int vAt,
                                int pointStride);

    /**
     * The kernel transform of Winograd's F(2x2, 3x3), {@code U = G g G^T} for {@code count} output
     * channels at once (a multiple of {@link #lanes()}): tap {@code t = 3*ky + kx} of the kernel is
     * {@code g[ky][kx] = w[at + t*tapStride + c]}, and point k of the result goes to
     * {@code u[uAt + k*pointStride + c]}.
     */
    abstract void winogradKernel(float[] w, int at, int tapStride, int count, float[] u, int uAt, int pointStride);

    /**
     * The output transform of Winograd's F(2x2, 3x3), {@code Y = A^T M A} for {@code count} output
     * channels at once (a multiple of {@link #lanes()}): point k of the products is
     * {@code m[at + k*pointStride + c]}, and output {@code (i, j)} of the 2 x 2 tile goes to
     * {@code y[to[2*i + j] + c]}, or nowhere where that offset is negative (past the image's edge).
     */
    abstract void winogradOutput(float[] m, int at, int pointStride, int count, float[] y, int[] to);

    /**
     * The input transform of Winograd's F(4x4, 3x3), as {@link #winogradInput} for a 6 x 6 tile
     * {@code d[i][j] = x[at + i*rowStride + j*colStride + c]}: point {@code k = 6*i + j} of
     * {@code B^T d B} to {@code v[vAt + k*pointStride + c]}. {@code tmp} holds 36 vectors between
     * the two passes.
     */
    abstract void winogradInput6(float[] x, int at, int rowStride, int colStride, int count, float[] v, int vAt,
                                 int pointStride, float[] tmp);

    /** The kernel transform of Winograd's F(4x4, 3x3), as {@link #winogradKernel} to 36 points; {@code tmp} as above. */
    abstract void winogradKernel6(float[] w, int at, int tapStride, int count, float[] u, int uAt, int pointStride,
                                  float[] tmp);

    /**
     * The output-gradient transform of the weight gradient by F(4x4, 3x3)'s matrices
     * ({@link Winograd#weightGradient}): the 4 x 4 tile {@code f[i][j] = x[at + i*rowStride +
     * j*colStride + c]} carried to 36 points, {@code A f A^T} with A the transpose of the output
     * transform's A^T, point k to {@code u[uAt + k*pointStride + c]}; {@code tmp} as above.
     */
    abstract void winogradGradient6(float[] x, int at, int rowStride, int colStride, int count, float[] u, int uAt,
                                    int pointStride, float[] tmp);

    /**
     * The last step of Winograd's weight gradient by F(3x3, 2x2) for {@link #lanes()} consecutive
     * (output, input) channel pairs q.. at once, a pair per lane: {@code dw[w + 9*l + t] += } tap t
     * of {@code A^T M A} of pair q + l, whose point k (of 16) is at {@code sums[k*stride + q + l]}:
     * the arithmetic of {@code Winograd.kernelGradient2}, operation for operation, so each lane
     * gives its bits. {@code tmp} holds at least 21 vectors. One method per tile size, as for the
     * other transforms: with both sizes behind a branch on m in one method, some JVMs ran the
     * ResNet-18 training step with that method's vector operations not intrinsified, for good
     * (boxed vectors: 228 MB of garbage a step at batch 16 against 28 MB, one JVM of six; JFR's
     * allocation samples of such a JVM point at the F(3x3, 2x2) branch), as where C2 compiles a
     * branch that had not run when it was profiled. Split, none did (six of six).
     */
    abstract void winogradTaps(float[] sums, int q, int stride, float[] dw, int w, float[] tmp);

    /**
     * {@link #winogradTaps} by F(4x4, 3x3): tap t of {@code G^T M G} (G of F(4x4, 3x3), 36 points),
     * the arithmetic of {@code Winograd.kernelGradient4}; {@code tmp} holds at least 27 vectors.
     */
    abstract void winogradTaps6(float[] sums, int q, int stride, float[] dw, int w, float[] tmp);

    /**
     * The output transform of Winograd's F(4x4, 3x3), as {@link #winogradOutput} from 36 points to
     * the 4 x 4 outputs, output {@code (i, j)} to {@code y[to[4*i + j] + c]} unless negative;
     * {@code tmp} as above.
     */
    abstract void winogradOutput6(float[] m, int at, int pointStride, int count, float[] y, int[] to, float[] tmp);

    /**
     * The output-gradient transform of the weight gradient's F(3x3, 2x2) ({@link Winograd}), for
     * {@code count} output channels at once (a multiple of {@link #lanes()}): the 2 x 2 tile
     * {@code f[i][j] = x[at + i*rowStride + j*colStride + c]} carried to 16 points,
     * {@code S G f G^T S} with {@code G = [1 0; 1/2 1/2; 1/2 -1/2; 0 1]} and {@code S = diag(1, 1,
     * 1, -1)} (the signs let the weight gradient share {@link #winogradInput} with the forward
     * pass), point k to {@code u[uAt + k*pointStride + c]}.
     */
    abstract void winogradGradient(float[] x, int at, int rowStride, int colStride, int count, float[] u, int uAt,
                                   int pointStride);

    /**
     * Transposes {@code count} rows of {@code len} floats into {@code len} rows of {@code count}:
     * {@code dst[dstOff + x*dstStride + c] = src[srcOff + index[c] + x]} for {@code c < count, x < len},
     * where {@code index[c]} is where row c starts, the rows equally spaced ({@code index[c] = index[0]
     * + c*(index[1] - index[0])}; whole vectors of lanes may be gathered: index holds at least
     * {@code count} rounded down to a multiple of {@link #lanes()} entries).
     */
    abstract void transpose(float[] src, int srcOff, int[] index, int count, int len, float[] dst, int dstOff,
                            int dstStride);

    /**
     * Twelve neighbouring output positions of one row against {@link #lanes()} output channels
     * ({@link NarrowConv}): {@code c[cOff + k*lanes() + j] = sum over d < depth of
     * x[at + offsets[d] + k] * w[wAt + d*lanes() + j]} for {@code k < count <= 12}; rows k from
     * count to 11 are computed (x must hold {@code at + offsets[d] + 11}) but not stored.
     */
    abstract void kernelRowTile(int depth, float[] x, int at, int[] offsets, float[] w, int wAt, int count, float[] c,
                                int cOff);

    /**
     * Six output channels by three output rows of {@link #lanes()} neighbouring positions
     * ({@link NarrowConv#rows}): {@code c[cOff + r*channelStep + i*rowStep2 + l] = sum over from <= d < to
     * of w[wAt + d*6 + r] * x[at + i*rowStep + offsets[d] + l]} for all six channels r, three rows i
     * and {@link #lanes()} lanes l, whole vectors only.
     */
    abstract void kernelChannelRows(int from, int to, float[] x, int at, int rowStep, int[] offsets, float[] w, int wAt,
                                    float[] c, int cOff, int channelStep, int rowStep2);

    /**
     * {@link #kernelRowTile} for kernels five taps wide with dilation 1 across: {@code rows} kernel
     * rows, row r's first tap at {@code x[at + offsets[5*r]]} and its five weight vectors at
     * {@code w[wAt + 5*r*lanes()]}.
     */
    abstract void kernelRowTile5(int rows, float[] x, int at, int[] offsets, float[] w, int wAt, int count, float[] c,
                                 int cOff);

    /**
     * The weight-gradient counterpart of {@link #kernelRowTile}: twelve depth entries of the
     * transposed weight gradient by {@link #lanes()} output channels, summed over {@code rows}
     * output rows of {@code count} positions: {@code c[cOff + i*lanes() + j] += sum over r < rows,
     * p < count of x[at + r*rowStep + offsets[offsetsAt + i] + p] * g[gAt + (r*count + p)*gStep + j]}
     * for {@code i < 12}.
     */
    abstract void kernelRowGradient(int rows, int count, float[] x, int at, int rowStep, int[] offsets, int offsetsAt,
                                    float[] g, int gAt, int gStep, float[] c, int cOff);

    /**
     * {@link #kernelRowGradient} for two kernel rows of five taps, dilation 1 across, and rows of at
     * least 4 positions: {@code c[cOff + (i*5 + kx)*lanes() + j] += sum over r < rows, p < count of
     * x[at + r*rowStep + o_i + p + kx] * g[gAt + (r*count + p)*gStep + j]} for kernel rows i < 2
     * ({@code o_0 = o0}, {@code o_1 = o1}) and taps {@code kx < 5}.
     */
    abstract void kernelRowGradient5(int rows, int count, float[] x, int at, int rowStep, int o0, int o1, float[] g,
                                     int gAt, int gStep, float[] c, int cOff);

    /**
     * Packs a B panel whose rows are windows of one array: {@code dst[off + p*nr + j] =
     * src[offsets[p0 + p] + j0 + j]} for {@code p < rows, j < nr} ({@link ImplicitConv}).
     */
    abstract void packShifted(float[] src, int j0, int[] offsets, int p0, int rows, float[] dst, int off);

    /**
     * {@code dst[dstOff : dstOff+len] = src[srcOff : srcOff+len]}, for short runs, where
     * System.arraycopy's call costs more than the copy. It may also write unspecified values into
     * {@code dst[dstOff+len : dstEnd)} (a whole last vector instead of a masked one): packing
     * overwrites them afterwards.
     */
    abstract void copyRun(float[] src, int srcOff, float[] dst, int dstOff, int len, int dstEnd);

    /**
     * {@code dst[dstOff + i] = src[srcOff + 2*i]} for {@code i < len}: a row of a stride-2
     * convolution's column matrix (ResNet's downsampling 3x3 layers), every other input element.
     */
    abstract void copyEvenRun(float[] src, int srcOff, float[] dst, int dstOff, int len);

    abstract float dot(float[] x, int xOff, float[] y, int yOff, int len);

    /** y += alpha * x. */
    abstract void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len);

    /** y = alpha * x + beta * y; with {@code beta == 0} y is not read (so NaN there is ignored). */
    abstract void axpby(float alpha, float[] x, int xOff, float beta, float[] y, int yOff, int len);

    /** x += v. */
    abstract void addScalar(float v, float[] x, int off, int len);

    /**
     * {@code x = ((x + bias) + residual)} for i in [off, off + len), the bias only when
     * {@code addBias}, the residual (read at the same indexes) only when not null, then ReLU when
     * {@code rectify}: 0 where the sum is {@code <= 0}, NaN stays NaN (as {@code reluForward}).
     */
    abstract void finishOutputs(float[] x, int off, int len, boolean addBias, float bias, float[] residual, boolean rectify);

    abstract float sum(float[] x, int off, int len);

    /** Sum of (x - mean)^2. */
    abstract float sumSquaredDeviation(float[] x, int off, int len, float mean);

    /** out = (in - mean) * scale + shift. */
    abstract void normalize(float[] out, float[] in, int off, int len, float mean, float scale, float shift);

    /** out = in - log(sum(exp(in))) over one row, computed with the maximum subtracted first. */
    abstract void logSoftmaxRow(float[] out, float[] in, int off, int len);

    // ---------------------------------------------------------------- activations
    //
    // Element-wise over [from, to): the forward maps overwrite out, the backward ones add into dIn.
    // The tail shorter than a vector is done with masked vectors, not scalar code, so each element
    // gets the same arithmetic wherever it sits: results are bit-identical at every width.

    /** out = e^in. */
    abstract void expForward(float[] out, float[] in, int from, int to);

    /** out = tanh(in). */
    abstract void tanhForward(float[] out, float[] in, int from, int to);

    /** out = 1 / (1 + e^-in). */
    abstract void sigmoidForward(float[] out, float[] in, int from, int to);

    /** out = in <= 0 ? 0 : in (NaN stays NaN). */
    abstract void reluForward(float[] out, float[] in, int from, int to);

    /** out = in > 0 ? in : slope * in. */
    abstract void leakyReluForward(float slope, float[] out, float[] in, int from, int to);

    /** out = scale * (in > 0 ? in : alpha * (e^in - 1)): ELU with scale 1, SELU with its constants. */
    abstract void eluForward(float alpha, float scale, float[] out, float[] in, int from, int to);

    /** dIn += dOut * out (exp). */
    abstract void expBackward(float[] dIn, float[] dOut, float[] out, int from, int to);

    /** dIn += dOut * (1 - out * out) (tanh). */
    abstract void tanhBackward(float[] dIn, float[] dOut, float[] out, int from, int to);

    /** dIn += dOut * out * (1 - out) (sigmoid). */
    abstract void sigmoidBackward(float[] dIn, float[] dOut, float[] out, int from, int to);

    /** dIn += dOut where in > 0 (other elements of dIn are not touched). */
    abstract void reluBackward(float[] dIn, float[] dOut, float[] in, int from, int to);

    /** dIn += in > 0 ? dOut : slope * dOut. */
    abstract void leakyReluBackward(float slope, float[] dIn, float[] dOut, float[] in, int from, int to);

    /** dIn += in > 0 ? dOut * scale : dOut * (out + shift) (ELU: scale 1, shift alpha). */
    abstract void eluBackward(float scale, float shift, float[] dIn, float[] dOut, float[] in, float[] out,
                              int from, int to);

    // ---------------------------------------------------------------- optimizer updates
    //
    // Over [from, to), in place, with the operations of the Kernels method of the same name in the
    // same order: the results are the reference's bits.

    abstract void adamUpdate(float[] w, float[] g, float[] m, float[] v, float[] vMax, int from, int to,
                             float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                             float negStepSize, float bc2Sqrt, float eps);

    abstract void sgdMomentumUpdate(float[] w, float[] g, float[] b, int from, int to, float negLr, float mu,
                                    float keep, boolean firstStep, boolean nesterov);
    // ---------------------------------------------------------------- pooling rows (see Pooling)
    //
    // One output row's run of `count` consecutive output columns whose windows lie horizontally
    // inside the input. The tap (r, kx) of output lane j is the input element
    // first + r * rowStep + kx * dilationW + j * strideW, for r < rows (the window rows inside the
    // input) and kx < kw. Only strideW 1 and 2 are supported (the geometries of the model zoo).
    // They return how many of the outputs (from the first) they did: all, except near the end of an
    // array, where a vector would reach past it; the caller does the rest.

    /**
     * Max pooling with the reference's rule, taps in window order: the first tap is taken, a later one
     * replaces it when greater or when it is NaN and the current best is not. {@code argmax} receives
     * the flat index of the winning tap, unless it is null (values only, the same values).
     */
    abstract int maxPoolRow(float[] in, int first, int rows, int rowStep, int kw, int dilationW, int strideW,
                             int count, float[] out, int[] argmax, int outOff);

    /** {@code out = (0 + tap_0 + tap_1 + ...) / divisor}, taps in window order, as the reference sums them. */
    abstract int avgPoolRow(float[] in, int first, int rows, int rowStep, int kw, int strideW, int count,
                             float divisor, float[] out, int outOff);

    /**
     * {@code dIn[tap] += dOut[outOff + j] / divisor} for every tap of every lane j (dilation 1). Each
     * input element receives its contributions in increasing output column order, as in the reference.
     */
    abstract int avgPoolRowBackward(float[] dIn, int first, int rows, int rowStep, int kw, int strideW, int count,
                                     float divisor, float[] dOut, int outOff);

    /**
     * Average pooling 2 x 2, stride 2, of one unpadded plane (or of consecutive planes of even height
     * as one): {@code out[outOff + y*ow + x] = (((0 + a) + b) + c) + d) / 4} over the window at input
     * rows 2y, 2y + 1 (row stride {@code w}) and columns 2x, 2x + 1, for {@code y < oh}, {@code x < ow},
     * as the reference sums it. Writes nothing outside the plane's output.
     */
    abstract void avgPool2x2(float[] in, int inOff, int w, int oh, int ow, float[] out, int outOff);

    /** The backward pass of {@link #avgPool2x2}: each input element of a window {@code += dOut / 4}. */
    abstract void avgPool2x2Backward(float[] dIn, int inOff, int w, int oh, int ow, float[] dOut, int outOff);

    // ---------------------------------------------------------------- batch-norm backward and LRN

    /** Sum of dy where {@code mask > 0} (a rectified output: not where it is 0 or NaN). */
    abstract float sumWhere(float[] dy, float[] mask, int off, int len);

    /** Sum of dy * (x - mean) where {@code mask > 0}, or everywhere when mask is null. */
    abstract float sumProductCenteredWhere(float[] dy, float[] mask, float[] x, int off, int len, float mean);

    /**
     * With {@code d = dOut} where {@code mask > 0} (every element when mask is null) and 0 elsewhere:
     * {@code dIn += a * d + b * (x - mean) + c} when dIn is not null ({@code dIn += a * d}, as
     * {@link #axpy}, when x is null: constant statistics), {@code dResidual += d} when dResidual is
     * not null.
     */
    abstract void batchNormBackwardRowWhere(float[] dIn, float[] dResidual, float[] dOut, float[] mask, float[] x,
                                            int off, int len, float mean, float a, float b, float c);

    /**
     * LRN forward at spatial positions [s0, s0 + len) of every channel of one image starting at
     * {@code image}: {@code scale = k + alphaOverSize * sum of in^2 over the channel window
     * [ch - size/2, ch + (size-1)/2]}, {@code out = in * scale^-beta}.
     */
    abstract void lrnForward(float[] out, float[] scale, float[] in, int image, int c, int spatial, int s0, int len,
                             int size, float alphaOverSize, float beta, float k);

    /**
     * LRN backward at spatial positions [s0, s0 + len) of one image: {@code dIn += dOut * scale^-beta
     * - factor * in * sum of dOut * out / scale over the channels [ch - (size-1)/2, ch + size/2]}.
     * {@code ratio} is scratch of at least {@code (c + 1) * len} floats.
     */
    abstract void lrnBackward(float[] dIn, float[] dOut, float[] in, float[] out, float[] scale, int image, int c,
                              int spatial, int s0, int len, int size, float factor, float beta, float[] ratio);
}
