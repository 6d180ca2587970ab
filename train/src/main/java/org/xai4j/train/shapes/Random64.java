package org.xai4j.train.shapes;

/**
 * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA
 * 2014), the generator inside {@code java.util.SplittableRandom}, written out here so that the
 * sequence is fixed by this file and not by a JDK version.
 *
 * <p>One stream per (seed, index, purpose): sample {@code i} never reads a number drawn for another
 * sample, so any subset of a set can be regenerated alone, in any order, on any number of threads;
 * and the object of sample {@code i} never depends on how many numbers its background used.
 */
final class Random64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long state;

    Random64(long seed, long index, long purpose) {
        // mix is a bijection on 64 bits: distinct indices give distinct states for one seed.
        state = mix(mix(mix(seed) + index) + purpose);
    }

    long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1): the top 53 bits. */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [a, b). */
    double uniform(double a, double b) {
        return a + (b - a) * nextDouble();
    }

    /** Uniform in 0..n-1 (multiply-shift on the top 32 bits; the bias, below n / 2^32, is far under any test here). */
    int nextInt(int n) {
        return (int) (((nextLong() >>> 32) * n) >>> 32);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
