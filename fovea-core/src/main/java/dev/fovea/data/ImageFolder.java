package dev.fovea.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Images arranged one sub-folder per class ({@code root/cat/001.png}, {@code root/dog/x.jpg}), the
 * layout of torchvision's {@code ImageFolder} and Keras' {@code image_dataset_from_directory}.
 *
 * <p>Classes are the sub-folder names in sorted order; files are read with ImageIO (PNG, JPEG, BMP,
 * GIF), converted to the requested channel count (1 = luminance, 3 = RGB) and resized bilinearly to
 * (H, W); pixels are scaled to [0, 1]. Hidden files are skipped; any other file that is not a
 * readable image is an error naming it.
 */
public final class ImageFolder {

    private ImageFolder() {}

    public static ArrayDataset load(Path root, int channels, int height, int width) throws IOException {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("ImageFolder expects 1 or 3 channels; received " + channels);
        }
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("ImageFolder expects a positive size; received " + height + "x" + width);
        }
        if (!Files.isDirectory(root)) throw new NoSuchFileException(root.toString(), null, "image folder not found");
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
        if (classDirs.isEmpty()) {
            throw new IOException(root + " has no class sub-folders: expected root/<class>/<image files>");
        }
        String[] classes = new String[classDirs.size()];
        List<float[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classDirs.size(); c++) {
            classes[c] = classDirs.get(c).getFileName().toString();
            List<Path> files;
            try (Stream<Path> s = Files.list(classDirs.get(c))) {
                files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            }
            for (Path f : files) {
                images.add(read(f, channels, height, width));
                labels.add(c);
            }
        }
        if (images.isEmpty()) throw new IOException(root + " has class folders but no images");
        int size = channels * height * width;
        float[] x = new float[images.size() * size];
        int[] y = new int[images.size()];
        for (int i = 0; i < y.length; i++) {
            System.arraycopy(images.get(i), 0, x, i * size, size);
            y[i] = labels.get(i);
        }
        return new ArrayDataset(x, y, new int[] {channels, height, width}, classes);
    }

    /** One image file as a (channels, height, width) float array in [0, 1]. */
    public static float[] read(Path file, int channels, int height, int width) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not a readable image: " + e.getMessage(), e);
        }
        if (img == null) {
            throw new IOException(file + " is not an image ImageIO can read (expected PNG, JPEG, BMP or GIF)");
        }
        return Images.resize(toChannels(img, channels), channels, img.getHeight(), img.getWidth(), height, width);
    }

    /** ImageIO image to (C, H, W) floats in [0, 1]; luminance uses ITU-R BT.601 weights, as PIL's "L". */
    public static float[] toChannels(BufferedImage img, int channels) {
        int h = img.getHeight(), w = img.getWidth();
        float[] out = new float[channels * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                float r = ((rgb >> 16) & 0xff) / 255f, g = ((rgb >> 8) & 0xff) / 255f, b = (rgb & 0xff) / 255f;
                if (channels == 1) {
                    out[y * w + x] = 0.299f * r + 0.587f * g + 0.114f * b;
                } else {
                    out[y * w + x] = r;
                    out[(h + y) * w + x] = g;
                    out[(2 * h + y) * w + x] = b;
                }
            }
        }
        return out;
    }
}
