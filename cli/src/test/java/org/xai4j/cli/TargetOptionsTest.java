package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.xai4j.engine.io.Labels;
import picocli.CommandLine.TypeConversionException;

/** --target by index, label name (ignoring case), top, several at once; unknown and ambiguous names. */
class TargetOptionsTest {
    private static final Labels IMAGENET = Labels.imagenet();

    private static TargetOptions targets(String... values) {
        TargetOptions t = new TargetOptions();
        TargetOptions.Item item = new TargetOptions.Item();
        t.values = java.util.Arrays.stream(values).map(item::convert).toList();
        return t;
    }

    @Test
    void indicesNamesAndTopResolveInTheOrderGivenEachOnce() {
        assertArrayEquals(new int[] {243, 282, -1}, targets("243", "tiger cat", "top").resolve(IMAGENET, 1000, "logits"));
        assertArrayEquals(new int[] {282}, targets("TIGER Cat").resolve(IMAGENET, 1000, "logits"));
        assertArrayEquals(new int[] {282}, targets("\"tiger cat\"").resolve(IMAGENET, 1000, "logits"));
        assertEquals(List.of("243", "top"), targets("243", "top", "243").requested());
    }

    @Test
    void anUnknownNameListsCloseLabels() {
        String m = assertThrows(TargetOptions.Unresolved.class, () -> targets("tigr cat").resolve(IMAGENET, 1000, "logits")).getMessage();
        assertTrue(m.contains("tigr cat") && m.contains("282 tiger cat"), m);
        m = assertThrows(TargetOptions.Unresolved.class, () -> targets("qqqqqqqqqqqqqqqqqqqq").resolve(IMAGENET, 1000, "logits")).getMessage();
        assertTrue(m.contains("not a label") && !m.contains("close"), m);
    }

    @Test
    void anAmbiguousNameAsksForTheIndex() {
        // "crane" is both the bird (134) and the machine (517) in ImageNet.
        String m = assertThrows(TargetOptions.Unresolved.class, () -> targets("Crane").resolve(IMAGENET, 1000, "logits")).getMessage();
        assertTrue(m.contains("ambiguous") && m.contains("134") && m.contains("517") && m.contains("index"), m);
    }

    @Test
    void indicesAreCheckedAndNamesNeedLabels() {
        String m = assertThrows(TargetOptions.Unresolved.class, () -> targets("1000").resolve(IMAGENET, 1000, "logits")).getMessage();
        assertTrue(m.contains("--target 1000") && m.contains("0..999"), m);
        m = assertThrows(TargetOptions.Unresolved.class, () -> targets("cat").resolve(Labels.forClasses(10), 10, "fc")).getMessage();
        assertTrue(m.contains("no names") && m.contains("--labels"), m);
        assertThrows(TypeConversionException.class, () -> new TargetOptions.Item().convert("-1"));
        assertThrows(TypeConversionException.class, () -> new TargetOptions.Item().convert(" "));
    }

    @Test
    void severalTargetsGoToFoldersNamedByClassAndLabel() {
        assertEquals("282_tiger_cat", TargetOptions.folder(282, "tiger cat"));
        assertEquals("7", TargetOptions.folder(7, "class 7"));
        assertEquals("1_dog", TargetOptions.folder(1, "Dog"));
    }
}
