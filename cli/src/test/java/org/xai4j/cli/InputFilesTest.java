package org.xai4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How --input values become files and subfolders: folders, patterns, several values, collisions. */
class InputFilesTest {
    @TempDir
    Path dir;

    private Path touch(String name) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.write(f, new byte[] {1});
        return f;
    }

    @Test
    void aFolderGivesItsPhotosAndTensorsByNameAndLeavesTheRestOut() throws IOException {
        touch("b.jpg");
        touch("a.PNG");
        touch("c.npy");
        touch("notes.txt");
        touch(".hidden.png");
        touch("sub/d.png");
        assertEquals(List.of(dir.resolve("a.PNG"), dir.resolve("b.jpg"), dir.resolve("c.npy")),
                InputFiles.expand(List.of(dir.toString())));
        assertTrue(InputFiles.many(List.of(dir.toString())));
    }

    @Test
    void aQuotedPatternIsExpandedHereAndAnExpandedOneArrivesAsSeveralValues() throws IOException {
        Path a = touch("x/a.jpg");
        Path b = touch("x/b.jpg");
        touch("x/c.png");
        Path deep = touch("x/y/d.jpg");
        String pattern = dir.resolve("x") + "/*.jpg";
        assertTrue(InputFiles.many(List.of(pattern)));
        assertEquals(List.of(a, b), InputFiles.expand(List.of(pattern)));
        assertEquals(List.of(a, b), InputFiles.expand(List.of(a.toString(), b.toString())), "what a shell makes of it");
        assertEquals(List.of(a, b, deep), InputFiles.expand(List.of(dir.resolve("x") + "/**.jpg")));
        assertEquals(List.of(b), InputFiles.expand(List.of(dir.resolve("x") + "/[b]*")));
    }

    @Test
    void oneFileIsTheSingleInputModeAndAFileNamedLikeAPatternIsAFile() throws IOException {
        Path star = touch("odd[1].png");
        assertFalse(InputFiles.many(List.of(star.toString())));
        assertFalse(InputFiles.many(List.of(dir.resolve("missing.png").toString())));
        assertEquals(List.of(star), InputFiles.expand(List.of(star.toString())));
    }

    @Test
    void filesComeOnceInTheOrderGivenAndMissingOnesAreKeptForTheirOwnError() throws IOException {
        Path a = touch("a.png");
        Path b = touch("b.png");
        Path missing = dir.resolve("missing.png");
        assertEquals(List.of(b, a, missing),
                InputFiles.expand(List.of(b.toString(), dir.toString(), missing.toString(), a.toString())));
    }

    @Test
    void subfoldersAreTheFileNamesMadeUniqueInOrder() throws IOException {
        Path a = touch("a.png");
        Path aNpy = touch("a.npy");
        Path other = touch("other/A.jpg");
        Path a2 = touch("a_2.png");
        assertEquals(List.of("a", "a_2", "A_3", "a_2_2"),
                List.copyOf(InputFiles.subfolders(List.of(a, aNpy, other, a2)).values()));
    }

    @Test
    void anEmptyFolderOrAPatternMatchingNothingIsAnErrorOfTheCommandLine() throws IOException {
        touch("notes.txt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InputFiles.expand(List.of(dir.toString())));
        assertTrue(e.getMessage().contains("no photo or tensor") && e.getMessage().contains(".png"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InputFiles.expand(List.of(dir + "/*.jpg")));
        assertTrue(e.getMessage().contains("matches no file"), e.getMessage());
    }
}
