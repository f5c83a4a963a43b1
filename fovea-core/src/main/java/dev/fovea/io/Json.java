package dev.fovea.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) reader and writer, enough for safetensors headers and model
 * descriptions; {@code fovea-core} has no dependencies, so it cannot use Jackson or Gson.
 *
 * <p>Values map to Java as: object → {@code LinkedHashMap<String, Object>} (document order kept),
 * array → {@code ArrayList<Object>}, string → {@code String}, integer → {@code Long}, number with
 * a fraction or exponent → {@code Double}, {@code true/false} → {@code Boolean}, {@code null} → null.
 *
 * <p>Strict means: no comments, no trailing commas, no single quotes, no leading zeros, no
 * unescaped control characters, no lone surrogates, no duplicate object keys, no integers outside
 * the {@code long} range, nesting at most {@value #MAX_DEPTH} deep, and nothing but whitespace
 * after the value. Every error names the character offset, so a corrupt file header can be found.
 */
public final class Json {

    /** Deep enough for any real header, shallow enough that hostile input cannot overflow the stack. */
    static final int MAX_DEPTH = 64;

    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    /** Parses one JSON value (surrounded by optional whitespace); throws {@link JsonException} otherwise. */
    public static Object parse(String text) {
        if (text == null) throw new IllegalArgumentException("Json.parse expects a string; received null");
        Json p = new Json(text);
        p.skipWhitespace();
        Object value = p.readValue(0);
        p.skipWhitespace();
        if (p.pos != text.length()) throw p.error("unexpected " + p.describeHere() + " after the JSON value");
        return value;
    }

    /** Thrown for malformed JSON; the message names what was expected and where. */
    public static final class JsonException extends IllegalArgumentException {
        private final int offset;

        JsonException(String message, int offset) {
            super(message + " at offset " + offset);
            this.offset = offset;
        }

        /** Character offset in the parsed text where the problem was found. */
        public int offset() { return offset; }
    }

    // ------------------------------------------------------------------ reading

    private Object readValue(int depth) {
        if (pos >= text.length()) throw error("expected a value but the text ended");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> readObject(depth + 1);
            case '[' -> readArray(depth + 1);
            case '"' -> readString();
            case 't' -> readLiteral("true", Boolean.TRUE);
            case 'f' -> readLiteral("false", Boolean.FALSE);
            case 'n' -> readLiteral("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield readNumber();
                throw error("expected a value; received " + describeHere());
            }
        };
    }

    private Map<String, Object> readObject(int depth) {
        checkDepth(depth);
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') throw error("expected a string key; received " + describeHere());
            int keyAt = pos;
            String key = readString();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object value = readValue(depth);
            if (map.containsKey(key)) throw new JsonException("duplicate key \"" + key + "\"", keyAt);
            map.put(key, value);
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return map;
            } else {
                throw error("expected ',' or '}' in object; received " + describeHere());
            }
        }
    }

    private List<Object> readArray(int depth) {
        checkDepth(depth);
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(readValue(depth));
            skipWhitespace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return list;
            } else {
                throw error("expected ',' or ']' in array; received " + describeHere());
            }
        }
    }

    private String readString() {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) throw error("unterminated string");
            char c = text.charAt(pos++);
            if (c == '"') break;
            if (c < 0x20) throw new JsonException("unescaped control character U+" + hex4(c) + " in string", pos - 1);
            if (c != '\\') {
                if (Character.isSurrogate(c)) {
                    pos--;
                    appendSurrogatePair(sb, readSurrogatePair(false));
                } else {
                    sb.append(c);
                }
                continue;
            }
            if (pos >= text.length()) throw error("unterminated escape sequence");
            char e = text.charAt(pos++);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    pos -= 2;
                    int start = pos;
                    char u = readUnicodeEscape();
                    if (!Character.isSurrogate(u)) {
                        sb.append(u);
                    } else {
                        pos = start;
                        appendSurrogatePair(sb, readSurrogatePair(true));
                    }
                }
                default -> throw new JsonException("invalid escape '\\" + e + "'", pos - 2);
            }
        }
        return sb.toString();
    }

    private static void appendSurrogatePair(StringBuilder sb, char[] pair) {
        sb.append(pair[0]).append(pair[1]);
    }

    /** Reads a high+low surrogate pair, raw or as two {@code \\uXXXX} escapes; lone halves are errors. */
    private char[] readSurrogatePair(boolean escaped) {
        int start = pos;
        char high = escaped ? readUnicodeEscape() : text.charAt(pos++);
        if (!Character.isHighSurrogate(high)) throw new JsonException("lone low surrogate in string", start);
        int lowAt = pos;
        char low;
        if (escaped) {
            if (!text.startsWith("\\u", pos)) throw new JsonException("high surrogate not followed by a low surrogate", start);
            low = readUnicodeEscape();
        } else {
            if (pos >= text.length()) throw error("unterminated string");
            low = text.charAt(pos++);
        }
        if (!Character.isLowSurrogate(low)) throw new JsonException("high surrogate not followed by a low surrogate", lowAt);
        return new char[] {high, low};
    }

    /** Reads {@code \\uXXXX} starting at the backslash. */
    private char readUnicodeEscape() {
        int start = pos;
        if (pos + 6 > text.length()) throw new JsonException("truncated \\u escape", start);
        int v = 0;
        for (int i = pos + 2; i < pos + 6; i++) {
            int d = Character.digit(text.charAt(i), 16);
            if (d < 0) throw new JsonException("invalid hex digit in \\u escape", i);
            v = v * 16 + d;
        }
        pos += 6;
        return (char) v;
    }

    private Object readNumber() {
        int start = pos;
        boolean integral = true;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
            if (isAsciiDigit(peek())) throw new JsonException("leading zeros are not allowed in numbers", start);
        } else if (isAsciiDigit(peek())) {
            while (isAsciiDigit(peek())) pos++;
        } else {
            throw error("expected a digit; received " + describeHere());
        }
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isAsciiDigit(peek())) throw error("expected a digit after '.'; received " + describeHere());
            while (isAsciiDigit(peek())) pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!isAsciiDigit(peek())) throw error("expected a digit in the exponent; received " + describeHere());
            while (isAsciiDigit(peek())) pos++;
        }
        String s = text.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException ex) {
                throw new JsonException("integer " + s + " is outside the 64-bit range", start);
            }
        }
        double d = Double.parseDouble(s);
        if (Double.isInfinite(d)) throw new JsonException("number " + s + " is outside the double range", start);
        return d;
    }

    private static boolean isAsciiDigit(char c) { return c >= '0' && c <= '9'; }

    private Object readLiteral(String word, Object value) {
        if (!text.startsWith(word, pos)) throw error("expected '" + word + "'; received " + describeHere());
        pos += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) throw error("expected '" + c + "'; received " + describeHere());
        pos++;
    }

    /** The current character, or U+0000 at the end (never a valid token start, so callers report it). */
    private char peek() { return pos < text.length() ? text.charAt(pos) : '\0'; }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            pos++;
        }
    }

    private void checkDepth(int depth) {
        if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH + " levels");
    }

    private String describeHere() {
        if (pos >= text.length()) return "end of text";
        char c = text.charAt(pos);
        return c < 0x20 || c > 0x7e ? "character U+" + hex4(c) : "'" + c + "'";
    }

    private static String hex4(char c) { return String.format("%04X", (int) c); }

    private JsonException error(String message) { return new JsonException(message, pos); }

    // ------------------------------------------------------------------ writing

    /**
     * Writes {@code value} as compact JSON. Accepts {@code Map} with String keys (iteration order
     * kept), {@code List}, {@code String}, {@code Boolean}, null, integral boxed numbers and finite
     * {@code Float}/{@code Double}; anything else is an {@link IllegalArgumentException}.
     */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object value, int depth) {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException("Json.write: nesting deeper than " + MAX_DEPTH + " levels");
        switch (value) {
            case null -> sb.append("null");
            case String s -> writeString(sb, s);
            case Boolean b -> sb.append(b);
            case Long n -> sb.append(n);
            case Integer n -> sb.append(n);
            case Short n -> sb.append(n);
            case Byte n -> sb.append(n);
            case Double d -> writeDouble(sb, d);
            case Float f -> writeDouble(sb, f.doubleValue());
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!(e.getKey() instanceof String k)) {
                        throw new IllegalArgumentException("Json.write expects String object keys; received "
                                + (e.getKey() == null ? "null" : e.getKey().getClass().getSimpleName()));
                    }
                    if (!first) sb.append(',');
                    first = false;
                    writeString(sb, k);
                    sb.append(':');
                    write(sb, e.getValue(), depth + 1);
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) sb.append(',');
                    write(sb, l.get(i), depth + 1);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("Json.write cannot write a "
                    + value.getClass().getName() + "; expected Map, List, String, Boolean, a number or null");
        }
    }

    private static void writeDouble(StringBuilder sb, double d) {
        if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON has no NaN or Infinity; received " + d);
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            sb.append((long) d).append(".0"); // keep it a non-integer token so it reads back as Double
        } else {
            sb.append(d); // Double.toString is valid JSON for finite values (e.g. 1.0E-5)
        }
    }

    private static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u").append(hex4(c));
                    } else if (Character.isSurrogate(c)) {
                        // Lone surrogates cannot be encoded as UTF-8; refuse rather than write garbage.
                        boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
                                && Character.isLowSurrogate(s.charAt(i + 1));
                        if (!pair) throw new IllegalArgumentException("string contains a lone surrogate at index " + i);
                        sb.append(c).append(s.charAt(++i));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
