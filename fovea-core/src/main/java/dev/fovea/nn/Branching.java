package dev.fovea.nn;

import java.util.List;

/**
 * A module whose computation splits into paths that see the same input and are then merged:
 * an inception module (paths concatenated along channels, Szegedy et al. 2015) or a residual unit
 * (main path plus shortcut, added, He et al. 2016). Summaries and diagrams use it to draw branches
 * instead of a single chain.
 */
public interface Branching {

    /** How the outputs of the branches combine. */
    enum Merge { CONCAT, ADD }

    /**
     * The parallel paths in order, each a list of the modules applied one after the other; an empty
     * list is an identity path (a residual shortcut without projection).
     */
    List<List<Module>> branches();

    Merge merge();
}
