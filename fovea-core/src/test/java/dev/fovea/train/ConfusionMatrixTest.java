package dev.fovea.train;

import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfusionMatrixTest {

    @Test
    void metricsByHand() {
        var cm = new ConfusionMatrix(new String[] {"cat", "dog", "fox"}, 2);
        // predictions: cat->cat, cat->dog, dog->dog, fox->dog ; second choice given by the next highest score
        Tensor scores = Tensor.of(new float[] {
            0.9f, 0.05f, 0.05f,
            0.3f, 0.6f, 0.1f,
            0.1f, 0.8f, 0.1f,
            0.0f, 0.7f, 0.3f}, 4, 3);
        cm.add(scores, new int[] {0, 0, 1, 2});
        assertEquals(0.5, cm.accuracy(), 1e-12);
        assertEquals(1.0, cm.topKAccuracy(), 1e-12); // every true class is in the top 2
        assertEquals(1.0, cm.precision(0), 1e-12);
        assertEquals(0.5, cm.recall(0), 1e-12);
        assertEquals(1.0 / 3, cm.precision(1), 1e-12);
        assertEquals(1.0, cm.recall(1), 1e-12);
        assertTrue(Double.isNaN(cm.precision(2)));
        assertEquals(0.0, cm.recall(2), 1e-12);
        assertTrue(cm.format().contains("accuracy 0.5000 (4 examples), top-2 1.0000"), cm.format());
    }

    @Test
    void wrongShapeIsRejected() {
        var cm = new ConfusionMatrix(new String[] {"a", "b"}, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> cm.add(Tensor.zeros(3, 3), new int[] {0, 1, 1}));
        assertTrue(e.getMessage().contains("expects scores of shape (3, 2); received (3, 3)"), e.getMessage());
    }
}
