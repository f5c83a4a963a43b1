package dev.fovea.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.fovea.kernels.Parallel;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * ResNet-18 inference through ONNX Runtime's Java API, for the {@code resnet18_infer_bN_ort}
 * workloads: the reference a Java user would otherwise pick for inference. The model is
 * torchvision's {@code resnet18(weights=None)} in eval mode exported by
 * {@code bench/export_resnet18_onnx.py} (batch dimension dynamic), read from the file named by the
 * system property {@value #MODEL_PROPERTY}; {@code bench/compare.sh} writes it and sets the property.
 *
 * <p>One session per process, shared by all batch sizes, with ONNX Runtime's defaults (CPU execution
 * provider, every graph optimisation, which folds batch norm into the convolutions and fuses the
 * ReLUs) except the threads: {@code intra_op_num_threads} = {@code -Dfovea.threads} (the thread
 * count of the row), {@code inter_op_num_threads} = 1 and sequential execution, so that a row at T
 * threads uses T threads on both sides. The input is a fixed N(0, 1) batch; each run's output is
 * released at once.
 */
public final class OrtResNet {

    /** System property naming the ONNX file. */
    public static final String MODEL_PROPERTY = "fovea.bench.onnx";
    /** Suffix of the workload names that run here rather than in Fovea. */
    public static final String SUFFIX = "_ort";

    private static OrtSession session;
    private static String inputName;
    /** Batch size fixed by the model, or -1 when the batch dimension is dynamic (as the export script makes it). */
    private static long modelBatch;

    private OrtResNet() {}

    /**
     * Why the ONNX Runtime workloads cannot run here (no model file, or the library or model fails to
     * load), or null when they can; loads the session on the first call.
     */
    public static synchronized String unavailableReason() {
        String file = System.getProperty(MODEL_PROPERTY);
        if (file == null || file.isBlank()) {
            return "no ONNX model: set -D" + MODEL_PROPERTY + "=FILE (bench/export_resnet18_onnx.py FILE writes "
                    + "one; bench/compare.sh does it itself)";
        }
        if (!Files.isRegularFile(Path.of(file))) {
            return "ONNX model " + file + " not found (bench/export_resnet18_onnx.py " + file + " writes it)";
        }
        try {
            session();
            return null;
        } catch (OrtException | RuntimeException | LinkageError e) {
            return "ONNX Runtime cannot run " + file + ": " + e;
        }
    }

    /** One line for the results header: version, threads and model file. */
    public static String describe() {
        return "version=" + OrtEnvironment.getEnvironment().getVersion() + "\tintra_op_threads="
                + Parallel.threads() + "\tinter_op_threads=1\tmodel="
                + System.getProperty(MODEL_PROPERTY);
    }

    /** Inference on a fixed batch of {@code batch} images of 3x224x224; the session must be available. */
    public static Runnable inference(int batch) {
        try {
            OrtSession s = session();
            if (modelBatch > 0 && modelBatch != batch) {
                throw new IllegalStateException("ONNX model " + System.getProperty(MODEL_PROPERTY) + " has a fixed batch of "
                        + modelBatch + "; batch " + batch + " expected (export it with a dynamic batch dimension)");
            }
            float[] images = Workload.gaussian(new SplittableRandom(7), batch * 3 * ResNetCase.SIZE * ResNetCase.SIZE);
            OnnxTensor input = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(images),
                    new long[] {batch, 3, ResNetCase.SIZE, ResNetCase.SIZE});
            Map<String, OnnxTensor> inputs = Map.of(inputName, input);
            return () -> {
                try (OrtSession.Result _ = s.run(inputs)) {
                    // the logits are computed; closing the result releases them
                } catch (OrtException e) {
                    throw new IllegalStateException("ONNX Runtime failed on a batch of " + batch + ": " + e.getMessage(), e);
                }
            };
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot set up a batch of " + batch + ": " + e.getMessage(), e);
        }
    }

    private static synchronized OrtSession session() throws OrtException {
        if (session != null) return session;
        String file = System.getProperty(MODEL_PROPERTY);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(Parallel.threads());
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        OrtSession s = env.createSession(file, options);
        if (s.getNumInputs() != 1) {
            throw new IllegalStateException("ONNX model " + file + ": 1 input expected; received " + s.getInputNames());
        }
        String name = s.getInputNames().iterator().next();
        NodeInfo info = s.getInputInfo().get(name);
        long[] shape = info.getInfo() instanceof TensorInfo t ? t.getShape() : null;
        if (shape == null || shape.length != 4 || shape[1] != 3 || shape[2] != ResNetCase.SIZE
                || shape[3] != ResNetCase.SIZE) {
            throw new IllegalStateException("ONNX model " + file + ": input (batch, 3, " + ResNetCase.SIZE + ", "
                    + ResNetCase.SIZE + ") expected; received " + (shape == null ? info.getInfo() : Arrays.toString(shape)));
        }
        session = s;
        inputName = name;
        modelBatch = shape[0];
        return s;
    }
}
