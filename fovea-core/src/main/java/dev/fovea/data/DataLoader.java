package dev.fovea.data;

import dev.fovea.tensor.Tensor;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Turns a {@link Dataset} into mini-batches: seeded shuffling, batching, optional drop-last, and
 * background prefetch of the next batch while the current one trains.
 *
 * <p>Determinism: the order of epoch {@code e} is a function of (seed, e) only, so training that is
 * stopped and resumed at epoch e, batch b sees exactly the batches an uninterrupted run would see
 * ({@link #batches(int, int)} starts mid-epoch).
 */
public final class DataLoader {

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final Transform transform;

    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, boolean dropLast, long seed) {
        this(dataset, batchSize, shuffle, dropLast, seed, null);
    }

    /**
     * @param transform applied to each example as it is batched (augmentation), or null; its random
     *                  generator is seeded by (seed, epoch, example index)
     */
    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, boolean dropLast, long seed, Transform transform) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be a positive integer; received " + batchSize);
        }
        if (dataset.size() == 0) throw new IllegalArgumentException("DataLoader received an empty dataset");
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.seed = seed;
        this.transform = transform;
    }

    public Dataset dataset() { return dataset; }

    public int batchSize() { return batchSize; }

    /** Number of batches per epoch. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? Math.max(0, n / batchSize) : (n + batchSize - 1) / batchSize;
    }

    /** The example order of an epoch: identity without shuffling, else a Fisher-Yates permutation seeded by (seed, epoch). */
    public int[] order(int epoch) {
        int n = dataset.size();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = idx[i]; idx[i] = idx[j]; idx[j] = t;
            }
        }
        return idx;
    }

    /** All batches of one epoch. */
    public Iterable<Batch> epoch(int epoch) { return batches(epoch, 0); }

    /** The batches of {@code epoch} starting at batch number {@code firstBatch} (for resuming). */
    public Iterable<Batch> batches(int epoch, int firstBatch) {
        int[] order = order(epoch);
        int total = batchesPerEpoch();
        return () -> new Prefetcher(order, epoch, firstBatch, total);
    }

    /** Assembles batch {@code b} of the given order. */
    Batch assemble(int[] order, int epoch, int b) {
        int from = b * batchSize, to = Math.min(order.length, from + batchSize);
        int n = to - from, size = dataset.inputSize();
        float[] x = new float[n * size];
        int[] y = new int[n], ids = new int[n];
        for (int i = 0; i < n; i++) {
            int ex = order[from + i];
            dataset.copyInput(ex, x, i * size);
            y[i] = dataset.label(ex);
            ids[i] = ex;
        }
        int[] s = dataset.inputShape();
        if (transform != null) {
            int c = s.length == 3 ? s[0] : 1, h = s.length >= 2 ? s[s.length - 2] : 1, w = s[s.length - 1];
            for (int i = 0; i < n; i++) {
                var rng = new SplittableRandom(seed ^ (0x632BE59BD9B4E019L * (epoch + 1)) ^ (0x9E3779B97F4A7C15L * (ids[i] + 1)));
                transform.apply(x, i * size, c, h, w, rng);
            }
        }
        int[] shape = new int[s.length + 1];
        shape[0] = n;
        System.arraycopy(s, 0, shape, 1, s.length);
        return new Batch(Tensor.of(x, shape), y, ids);
    }

    /** Iterates batches, preparing batch i+1 on a daemon thread while the caller works on batch i. */
    private final class Prefetcher implements Iterator<Batch> {
        private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fovea-prefetch");
            t.setDaemon(true);
            return t;
        });

        private final int[] order;
        private final int epoch;
        private final int total;
        private int next;
        private Future<Batch> pending;

        Prefetcher(int[] order, int epoch, int first, int total) {
            this.order = order;
            this.epoch = epoch;
            this.total = total;
            this.next = first;
            if (next < total) pending = submit(next);
        }

        private Future<Batch> submit(int b) {
            return POOL.submit(() -> assemble(order, epoch, b));
        }

        @Override
        public boolean hasNext() { return next < total; }

        @Override
        public Batch next() {
            if (!hasNext()) throw new NoSuchElementException();
            Batch batch;
            try {
                batch = pending.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading a batch", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("loading batch " + next + " failed: " + e.getCause().getMessage(), e.getCause());
            }
            next++;
            pending = next < total ? submit(next) : null;
            return batch;
        }
    }
}
