package dev.fovea.io;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void parsesEveryValueKindAndKeepsKeyOrder() {
        Object v = Json.parse(" {\"b\": [1, -2, 3.5, 1e3, true, false, null], \"a\": {\"s\": \"x\\n\\u00e9\\\"\"}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("b", "a"), List.copyOf(m.keySet()));
        List<?> b = (List<?>) m.get("b");
        assertEquals(1L, b.get(0));
        assertEquals(-2L, b.get(1));
        assertEquals(3.5, b.get(2));
        assertEquals(1000.0, b.get(3));
        assertEquals(Boolean.TRUE, b.get(4));
        assertEquals(Boolean.FALSE, b.get(5));
        assertEquals(null, b.get(6));
        assertEquals("x\né\"", ((Map<?, ?>) m.get("a")).get("s"));
    }

    @Test
    void decodesSurrogatePairsRawAndEscaped() {
        assertEquals("😀", Json.parse("\"\\ud83d\\ude00\""));
        assertEquals("😀", Json.parse("\"😀\""));
    }

    @Test
    void writesCompactAndReadsBack() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "conv1.weight\t\"q\"\u0001");
        m.put("shape", List.of(6L, 1L, 5L, 5L));
        m.put("x", 0.5);
        m.put("whole", 2.0);
        m.put("nested", Map.of("k", "v"));
        String s = Json.write(m);
        assertEquals("{\"name\":\"conv1.weight\\t\\\"q\\\"\\u0001\",\"shape\":[6,1,5,5],\"x\":0.5,\"whole\":2.0,"
                + "\"nested\":{\"k\":\"v\"}}", s);
        assertEquals(m, Json.parse(s));
    }

    @Test
    void rejectsMalformedInputWithOffsets() {
        String[] bad = {
            "", "{", "{\"a\":1,}", "[1,]", "{'a':1}", "{\"a\" 1}", "01", "-", "1.", "1e", "\"abc", "\"a\u0001\"",
            "\"\\x\"", "\"\\u12g4\"", "tru", "nul", "{} x", "{\"a\":1,\"a\":2}", "99999999999999999999",
            "\"\\ud83d\"", "\"\\ude00\"", "// c\n{}", "[1 2]", "{\"a\":1 \"b\":2}", "١",
        };
        for (String s : bad) {
            Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse(s), "should reject: " + s);
            assertTrue(e.getMessage().contains("at offset"), e.getMessage());
        }
    }

    @Test
    void errorMessagesSayWhatWasExpectedAndReceived() {
        var e = assertThrows(Json.JsonException.class, () -> Json.parse("{\"a\":1,\"a\":2}"));
        assertEquals("duplicate key \"a\" at offset 7", e.getMessage());
        e = assertThrows(Json.JsonException.class, () -> Json.parse("[1,]"));
        assertEquals("expected a value; received ']' at offset 3", e.getMessage());
    }

    @Test
    void limitsNestingDepth() {
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertThrows(Json.JsonException.class, () -> Json.parse(deep));
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertEquals(List.of(), unwrap(Json.parse(ok), Json.MAX_DEPTH - 1));
    }

    private static Object unwrap(Object v, int times) {
        for (int i = 0; i < times; i++) v = ((List<?>) v).get(0);
        return v;
    }

    @Test
    void writeRejectsWhatJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, "x")));
        assertThrows(IllegalArgumentException.class, () -> Json.write("\ud800"));
    }
}
