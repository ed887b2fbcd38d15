package dev.specdec.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VersionTest {
    @Test
    void theVersionIsThePomsFilteredIn() {
        assertTrue(Version.CURRENT.matches("\\d+\\.\\d+\\.\\d+.*"), Version.CURRENT);
    }
}
