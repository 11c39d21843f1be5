package dev.keyhouse.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The variable names {@code .env.example} lists: the contract every deploy file is checked against. */
final class EnvExample {

    private static final Pattern LINE = Pattern.compile("^([A-Z][A-Z0-9_]*)=.*$");

    private EnvExample() {
    }

    static Set<String> names() {
        try {
            Set<String> names = new LinkedHashSet<>();
            for (String line : Files.readAllLines(Path.of(".env.example"))) {
                Matcher matcher = LINE.matcher(line);
                if (matcher.matches()) {
                    names.add(matcher.group(1));
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
