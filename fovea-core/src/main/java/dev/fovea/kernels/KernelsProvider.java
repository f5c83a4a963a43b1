package dev.fovea.kernels;

import java.util.logging.Logger;

/**
 * Chooses the {@link Kernels} implementation once per JVM (Lucene's VectorizationProvider pattern).
 *
 * <p>{@code -Dfovea.kernels=scalar|vector|auto} (default {@code auto}). In auto mode the Vector API
 * implementation is used when the {@code jdk.incubator.vector} module is present; otherwise the
 * scalar reference is used and one line says how to enable the fast path.
 */
public final class KernelsProvider {

    private static final Logger LOG = Logger.getLogger(KernelsProvider.class.getName());

    private KernelsProvider() {}

    /** The process-wide kernels. */
    public static Kernels get() { return Holder.INSTANCE; }

    private static final class Holder {
        static final Kernels INSTANCE = choose(System.getProperty("fovea.kernels", "auto"));
    }

    static Kernels choose(String mode) {
        Kernels chosen;
        switch (mode) {
            case "scalar" -> chosen = new ScalarKernels();
            case "vector" -> {
                chosen = loadVector();
                if (chosen == null) {
                    throw new IllegalStateException("-Dfovea.kernels=vector needs the Vector API: run java with "
                            + "--add-modules jdk.incubator.vector");
                }
            }
            case "auto" -> {
                chosen = loadVector();
                if (chosen == null) {
                    LOG.warning("Vector API not available, using scalar kernels (slow); "
                            + "run java with --add-modules jdk.incubator.vector");
                    chosen = new ScalarKernels();
                }
            }
            default -> throw new IllegalArgumentException(
                    "-Dfovea.kernels expects scalar, vector or auto; received '" + mode + "'");
        }
        Kernels result = chosen;
        LOG.fine(() -> "Fovea kernels: " + result.name() + ", threads: " + Parallel.threads());
        return result;
    }

    /** The Vector API implementation, or null when the incubator module is not in the boot layer. */
    public static Kernels loadVector() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return null;
        try {
            return (Kernels) Class.forName("dev.fovea.kernels.simd.VectorKernels")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.warning("could not load the Vector API kernels (" + e + "); using scalar kernels");
            return null;
        }
    }
}
