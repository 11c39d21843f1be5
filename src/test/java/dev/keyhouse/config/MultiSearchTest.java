package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** {@link MultiSearch} finds exactly the needles {@code String.contains} finds, in bytes and in chars. */
class MultiSearchTest {

    @Test
    void findsWhatContainsFindsForEveryNeedleLength() {
        Random random = new Random(20261202);
        for (int round = 0; round < 300; round++) {
            // a small alphabet, so needles of every length occur, partly occur and overlap
            String alphabet = round % 3 == 0 ? "ab" : round % 3 == 1 ? "abc\u00e9\u4e2d" : "ab\u0000\u00ff";
            String text = random(random, alphabet, random.nextInt(400));
            List<String> needles = new ArrayList<>();
            int count = 1 + random.nextInt(40);
            for (int n = 0; n < count; n++) {
                int length = random.nextInt(12) == 0 ? 0 : 1 + random.nextInt(round % 2 == 0 ? 12 : 3);
                int start = text.length() > length ? random.nextInt(text.length() - length + 1) : 0;
                // half of them taken from the text (found), half made up (found or not)
                needles.add(random.nextBoolean() && text.length() >= length ? text.substring(start, start + length)
                        : random(random, alphabet, length));
            }
            BitSet expected = new BitSet();
            for (int n = 0; n < needles.size(); n++) {
                if (text.contains(needles.get(n))) {
                    expected.set(n);
                }
            }
            assertThat(MultiSearch.ofStrings(needles).in(text)).as("chars: %s in %s", needles, text).isEqualTo(expected);

            byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
            List<byte[]> byteNeedles = needles.stream().map(s -> s.getBytes(StandardCharsets.ISO_8859_1)).toList();
            BitSet expectedBytes = new BitSet();
            String latin = new String(bytes, StandardCharsets.ISO_8859_1);
            for (int n = 0; n < byteNeedles.size(); n++) {
                if (latin.contains(new String(byteNeedles.get(n), StandardCharsets.ISO_8859_1))) {
                    expectedBytes.set(n);
                }
            }
            assertThat(MultiSearch.ofBytes(byteNeedles).in(bytes)).as("bytes: %s in %s", needles, text)
                    .isEqualTo(expectedBytes);
        }
    }

    @Test
    void aNeedleAtTheVeryEndOrLongerThanTheTextIsHandled() {
        assertThat(MultiSearch.ofStrings(List.of("xyz", "abcdefghij", "j")).in("abcdefghij")).isEqualTo(bits(1, 2));
        assertThat(MultiSearch.ofStrings(List.of("abcdefghijk")).in("abcdefghij")).isEqualTo(new BitSet());
        assertThat(MultiSearch.ofBytes(List.of(new byte[] {1, 2, 3}, new byte[] {(byte) 0xff})).in(new byte[] {0, 1, 2, 3,
                (byte) 0xff})).isEqualTo(bits(0, 1));
    }

    private static BitSet bits(int... set) {
        BitSet bits = new BitSet();
        for (int b : set) {
            bits.set(b);
        }
        return bits;
    }

    private static String random(Random random, String alphabet, int length) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }
}
