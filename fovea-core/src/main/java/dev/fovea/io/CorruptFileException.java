package dev.fovea.io;

import java.io.IOException;

/**
 * A file exists and could be read, but its contents break the format (bad header, offsets out of
 * range, truncated data). The message names the file and says what was expected and what was found,
 * so a half-downloaded or hand-edited weights file can be diagnosed without a hex editor.
 */
public class CorruptFileException extends IOException {

    private static final long serialVersionUID = 1L;

    public CorruptFileException(String message) {
        super(message);
    }

    public CorruptFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
