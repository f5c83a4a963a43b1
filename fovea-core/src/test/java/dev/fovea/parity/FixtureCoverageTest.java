package dev.fovea.parity;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No fixture can be skipped silently: the index lists exactly the files on disk, and every listed file
 * is a test case of exactly one parity test class (each class's {@code @MethodSource} is the index
 * filtered by the same {@code handles} predicate checked here). Inside a class an unknown layer, loss,
 * optimizer or schedule name fails its case instead of passing.
 */
class FixtureCoverageTest {

    /** The parity test classes and which files each takes, by the predicate its method source uses. */
    private static final Map<String, Predicate<String>> OWNERS = new LinkedHashMap<>();

    static {
        OWNERS.put("LayerParityTest", LayerParityTest::handles);
        OWNERS.put("LossParityTest", LossParityTest::handles);
        OWNERS.put("OptimizerParityTest", OptimizerParityTest::handles);
        OWNERS.put("ScheduleParityTest", ScheduleParityTest::handles);
    }

    @Test
    void indexListsExactlyTheFixturesOnDisk() {
        List<String> index = Golden.index();
        assertEquals(new TreeSet<>(index).size(), index.size(), "index.txt has duplicate entries: " + index);
        assertEquals(Golden.filesOnDisk(), new TreeSet<>(index),
                "index.txt and the .safetensors files in " + Golden.DIR + " differ");
        // tools/make_fixtures.py wrote 99 files when these tests were written; a change here is fine but
        // should be deliberate (new fixtures need a mapping in the parity tests).
        assertEquals(99, index.size(), "number of golden fixtures");
    }

    @Test
    void everyFixtureIsHandledByExactlyOneParityTest() {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> perOwner = new LinkedHashMap<>();
        for (String file : Golden.index()) {
            List<String> owners = new ArrayList<>();
            for (var e : OWNERS.entrySet()) if (e.getValue().test(file)) owners.add(e.getKey());
            if (owners.size() != 1) problems.add(file + " -> " + owners);
            for (String o : owners) perOwner.merge(o, 1, Integer::sum);
        }
        assertTrue(problems.isEmpty(), "fixtures handled by zero or several parity tests: " + problems);
        for (String owner : OWNERS.keySet()) {
            assertTrue(perOwner.getOrDefault(owner, 0) > 0, owner + " handles no fixture");
        }
    }
}
