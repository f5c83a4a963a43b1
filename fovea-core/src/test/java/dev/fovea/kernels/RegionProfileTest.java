package dev.fovea.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RegionProfileTest {

    @Test
    void recordsAddUpPerCallSiteAndNameTheCaller() {
        RegionProfile.clear();
        Parallel.RangeBody first = (from, to) -> {}, second = (from, to) -> {};
        // two workers: one in from 10 to 60, one that never came; the caller done at 80, closed at 100
        RegionProfile.record(first, 0, 0, 80, 100, new long[] {10, 0}, new long[] {60, 0});
        // the same site again, 50 ns after the previous close: the worker late by 5, out at the close
        RegionProfile.record(first, 100, 150, 190, 200, new long[] {155, 170}, new long[] {200, 180});
        RegionProfile.record(second, 200, 300, 310, 400, new long[] {300, 305}, new long[] {400, 390});
        List<RegionProfile.Totals> totals = RegionProfile.totals();
        assertEquals(2, totals.size());
        RegionProfile.Totals a = totals.stream().filter(t -> t.calls() == 2).findFirst().orElseThrow();
        assertEquals(150, a.nanos());
        assertEquals(20 + 10, a.callerWait());
        assertEquals(40 + 0 + 20, a.workerIdle());
        assertEquals(10 + 5 + 20, a.workerLate());
        assertEquals(1, a.missed());
        assertEquals(50, a.serialBefore());
        assertTrue(a.site().startsWith("RegionProfileTest.recordsAddUpPerCallSiteAndNameTheCaller:"), a.site());
        // most waiting first: 30 + 60 + 35 against the other's 90 + 10 + 5
        assertEquals(a, totals.get(0));
        RegionProfile.clear();
        assertTrue(RegionProfile.totals().isEmpty());
    }
}
