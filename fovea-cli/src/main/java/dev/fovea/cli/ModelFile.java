package dev.fovea.cli;

import dev.fovea.data.Dataset;
import dev.fovea.io.Json;
import dev.fovea.io.SafeTensors;
import dev.fovea.models.ModelZoo;
import dev.fovea.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A trained model file: safetensors weights plus metadata naming the zoo model, its classes and its
 * input shape, so {@code eval} and {@code predict} need nothing but the file.
 */
final class ModelFile {

    record Loaded(Module model, String name, String[] classNames, int[] inputShape) {}

    private ModelFile() {}

    static Map<String, String> metadata(String model, Dataset data) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("fovea.model", model);
        m.put("fovea.classes", Json.write(List.of(data.classNames())));
        List<Object> shape = new ArrayList<>();
        for (int d : data.inputShape()) shape.add((long) d);
        m.put("fovea.input_shape", Json.write(shape));
        return m;
    }

    static Loaded load(Path file, String modelOverride) throws IOException {
        SafeTensors.Header header = SafeTensors.readHeader(file);
        Map<String, String> meta = header.metadata();
        String name = modelOverride != null ? modelOverride : meta.get("fovea.model");
        if (name == null) {
            throw new IllegalArgumentException(file + " does not say which model it holds (no fovea.model metadata); pass --model");
        }
        String[] classes = strings(meta.get("fovea.classes"));
        int[] shape = ints(meta.get("fovea.input_shape"));
        if (classes == null) {
            throw new IllegalArgumentException(file + " has no fovea.classes metadata; it was not written by 'fovea train'");
        }
        Module model = ModelZoo.create(name, classes.length, new SplittableRandom(0));
        SafeTensors.load(model, file);
        model.eval();
        return new Loaded(model, name, classes, shape != null ? shape : ModelZoo.entry(name).inputShape());
    }

    private static String[] strings(String json) {
        if (json == null) return null;
        List<?> list = (List<?>) Json.parse(json);
        String[] out = new String[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = String.valueOf(list.get(i));
        return out;
    }

    private static int[] ints(String json) {
        if (json == null) return null;
        List<?> list = (List<?>) Json.parse(json);
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) list.get(i)).intValue();
        return out;
    }
}
