package dev.keyhouse.config;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of many needles occur in a text, found in one pass over it, for the leak tests that search large texts (a
 * database's files, a dump, a DEBUG log) for thousands of forms of planted secrets: a search per needle read the text
 * once per needle. Each position's last {@code k} units (bytes or chars; {@code k} the shortest non-empty needle's
 * length, at most 8 bytes or 4 chars) are looked up among the needles' first {@code k} units (a bit filter, then a
 * map), and each needle that starts so is compared whole there. Finds exactly the needles {@code indexOf} finds; an
 * empty needle is in every text.
 */
public final class MultiSearch {

    private static final int FILTER_BITS = 22;
    private final int[][] needles;
    /** Bits per unit: 8 for bytes, 16 for chars. */
    private final int bits;
    private final int k;
    private final long[] filter = new long[1 << (FILTER_BITS - 6)];
    private final Map<Long, int[]> byPrefix = new HashMap<>();
    private final BitSet empty = new BitSet();

    private MultiSearch(int[][] needles, int bits) {
        this.needles = needles;
        this.bits = bits;
        int most = 64 / bits;
        this.k = Math.max(1, Math.min(most, Arrays.stream(needles).mapToInt(n -> n.length).filter(l -> l > 0).min()
                .orElse(most)));
        for (int n = 0; n < needles.length; n++) {
            int[] needle = needles[n];
            if (needle.length == 0) {
                empty.set(n);
                continue;
            }
            long key = 0;
            for (int i = 0; i < k; i++) {
                key = (key << bits) | needle[i];
            }
            int slot = slot(key);
            filter[slot >>> 6] |= 1L << slot;
            int[] before = byPrefix.getOrDefault(key, new int[0]);
            int[] after = Arrays.copyOf(before, before.length + 1);
            after[before.length] = n;
            byPrefix.put(key, after);
        }
    }

    /** A search for these byte strings, in {@link #in(byte[])}. */
    public static MultiSearch ofBytes(List<byte[]> needles) {
        int[][] units = new int[needles.size()][];
        for (int n = 0; n < units.length; n++) {
            byte[] needle = needles.get(n);
            units[n] = new int[needle.length];
            for (int i = 0; i < needle.length; i++) {
                units[n][i] = needle[i] & 0xff;
            }
        }
        return new MultiSearch(units, 8);
    }

    /** A search for these strings, in {@link #in(String)}. */
    public static MultiSearch ofStrings(List<String> needles) {
        return new MultiSearch(needles.stream().map(s -> s.chars().toArray()).toArray(int[][]::new), 16);
    }

    private static int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> (64 - FILTER_BITS));
    }

    /** The indexes (into the list given) of the needles that occur in {@code text}; needles given as bytes. */
    public BitSet in(byte[] text) {
        if (bits != 8) {
            throw new IllegalStateException("a search for strings: use in(String)");
        }
        BitSet found = (BitSet) empty.clone();
        long mask = k == 8 ? -1L : (1L << (8 * k)) - 1;
        long key = 0;
        for (int i = 0; i < text.length; i++) {
            key = ((key << 8) | (text[i] & 0xff)) & mask;
            if (i >= k - 1 && mayStart(key)) {
                int start = i - k + 1;
                for (int n : candidates(key)) {
                    if (!found.get(n) && startsAt(text, start, needles[n])) {
                        found.set(n);
                    }
                }
            }
        }
        return found;
    }

    /** The indexes (into the list given) of the needles that occur in {@code text}; needles given as strings. */
    public BitSet in(String text) {
        if (bits != 16) {
            throw new IllegalStateException("a search for bytes: use in(byte[])");
        }
        BitSet found = (BitSet) empty.clone();
        long mask = k == 4 ? -1L : (1L << (16 * k)) - 1;
        long key = 0;
        for (int i = 0; i < text.length(); i++) {
            key = ((key << 16) | text.charAt(i)) & mask;
            if (i >= k - 1 && mayStart(key)) {
                int start = i - k + 1;
                for (int n : candidates(key)) {
                    if (!found.get(n) && startsAt(text, start, needles[n])) {
                        found.set(n);
                    }
                }
            }
        }
        return found;
    }

    private boolean mayStart(long key) {
        int slot = slot(key);
        return (filter[slot >>> 6] & (1L << slot)) != 0;
    }

    private int[] candidates(long key) {
        return byPrefix.getOrDefault(key, NONE);
    }

    private static final int[] NONE = new int[0];

    private static boolean startsAt(byte[] text, int start, int[] needle) {
        if (start + needle.length > text.length) {
            return false;
        }
        for (int i = 0; i < needle.length; i++) {
            if ((text[start + i] & 0xff) != needle[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsAt(String text, int start, int[] needle) {
        if (start + needle.length > text.length()) {
            return false;
        }
        for (int i = 0; i < needle.length; i++) {
            if (text.charAt(start + i) != needle[i]) {
                return false;
            }
        }
        return true;
    }
}
