package org.xai4j.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xai4j.testing.Shared;

class LabelsTest {
    @Test
    void imagenetShipsInTorchvisionOrder() {
        Labels l = Labels.imagenet();
        assertEquals(1000, l.size());
        assertEquals("tench", l.name(0));
        assertEquals("bull mastiff", l.name(243));
        assertEquals("Egyptian cat", l.name(285));
        assertEquals("toilet tissue", l.name(999));
        assertEquals("class 1000", l.name(1000));
    }

    @Test
    void builtInNamesEqualTheSharedList() throws IOException {
        String shared = Files.readString(Shared.require("assets/labels/imagenet_classes.txt"));
        assertEquals(Labels.parse(shared, "shared").names(), Labels.imagenet().names());
    }

    @Test
    void defaultsByOutputCount() {
        assertEquals("tench", Labels.forClasses(1000).name(0));
        assertEquals("background", Labels.forClasses(1001).name(0));
        assertEquals("tench", Labels.forClasses(1001).name(1));
        assertEquals("class 1", Labels.forClasses(2).name(1));
    }

    @Test
    void readsTeachableMachineIndexNameLines() {
        Labels l = Labels.read(Shared.require("assets/models/teachable_machine_catdog/labels.txt"));
        assertEquals(List.of("Cat", "Dog"), l.names());
        assertEquals(List.of("b", "a c"), Labels.parse("1 a c\n0 b\n\n", "t").names());
    }

    @Test
    void plainNamesUnlessEveryLineIsIndexed() {
        assertEquals(List.of("3 little pigs", "wolf"), Labels.parse("3 little pigs\nwolf\n", "t").names());
        assertEquals(List.of("tabby, tabby cat", "tiger cat"), Labels.parse("tabby, tabby cat\r\ntiger cat", "t").names());
    }

    @Test
    void badFilesFailClearly() {
        IllegalArgumentException gap = assertThrows(IllegalArgumentException.class, () -> Labels.parse("0 a\n2 b\n", "l.txt"));
        assertTrue(gap.getMessage().startsWith("l.txt:") && gap.getMessage().contains("2 b"), gap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Labels.parse("0 a\n0 b\n", "l.txt"));
        assertThrows(IllegalArgumentException.class, () -> Labels.parse("\n\n", "l.txt"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Labels.read(java.nio.file.Path.of("no/such/labels.txt")));
        assertTrue(missing.getMessage().contains("no/such/labels.txt"));
    }
}
