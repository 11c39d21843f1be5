package dev.keyhouse.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class GenerateKeyTest {

    @Test
    void printsOneKeyThatDecodesTo32Bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            GenerateKey.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);

        assertThat(printed.lines()).hasSize(1);
        assertThat(Base64.getDecoder().decode(printed.strip())).hasSize(32);
        assertThat(KeyRing.of(printed.strip(), java.util.List.of()).currentKeyId()).isNotNegative();
    }
}
