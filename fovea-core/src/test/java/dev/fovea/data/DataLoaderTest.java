package dev.fovea.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataLoaderTest {

    static ArrayDataset numbers(int n) {
        float[] x = new float[n * 2];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i % 3;
        }
        return new ArrayDataset(x, y, new int[] {2}, ArrayDataset.numberedClasses(3));
    }

    @Test
    void batchesCoverEveryExampleOnceWithShapesAndLabels() {
        var loader = new DataLoader(numbers(10), 4, true, false, 7);
        assertEquals(3, loader.batchesPerEpoch());
        boolean[] seen = new boolean[10];
        int count = 0;
        for (Batch b : loader.epoch(0)) {
            assertEquals(b.size(), b.inputs().size(0));
            for (int i = 0; i < b.size(); i++) {
                int ex = b.indices()[i];
                assertFalse(seen[ex]);
                seen[ex] = true;
                assertEquals(ex, b.inputs().get(i, 0), 0f);
                assertEquals(ex % 3, b.labels()[i]);
            }
            count += b.size();
        }
        assertEquals(10, count);
    }

    @Test
    void shuffleIsSeededPerEpochAndDropLastDrops() {
        var a = new DataLoader(numbers(50), 8, true, true, 42);
        var b = new DataLoader(numbers(50), 8, true, true, 42);
        assertArrayEquals(a.order(3), b.order(3));
        assertFalse(Arrays.equals(a.order(0), a.order(1)));
        assertEquals(6, a.batchesPerEpoch());
        int batches = 0;
        for (Batch batch : a.epoch(0)) { batches++; assertEquals(8, batch.size()); }
        assertEquals(6, batches);
    }

    @Test
    void resumingMidEpochSeesTheSameBatches() {
        var loader = new DataLoader(numbers(30), 4, true, false, 1);
        List<int[]> all = new ArrayList<>();
        for (Batch b : loader.epoch(2)) all.add(b.indices());
        int k = 0;
        for (Batch b : loader.batches(2, 3)) assertArrayEquals(all.get(3 + k++), b.indices());
        assertEquals(all.size() - 3, k);
    }

    @Test
    void badBatchSizeIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new DataLoader(numbers(3), -1, false, false, 0));
        assertTrue(e.getMessage().contains("received -1"));
    }
}
