package dev.keyhouse.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing in the repository links outside it: every Markdown link and image (inline {@code [text](target)}, reference
 * definitions {@code [id]: target}, {@code <a href>}, {@code <img src>}, autolinks and bare URLs) resolves to a file
 * or folder inside the repository, and every {@code #anchor} into a Markdown file names one of its headings by
 * GitHub's slug. Web links are allowed only to the hosts in {@link MarkdownLinks#ALLOWED_HOSTS}. Links inside code
 * spans and fenced code blocks are not links. Plain JUnit: no Quarkus, no network.
 */
class MarkdownLinksTest {

    @Test
    void everyMarkdownLinkInTheRepositoryResolvesInsideIt() {
        Path root = repositoryRoot();
        MarkdownLinks.Report report = MarkdownLinks.check(root);

        assertThat(report.problems())
                .as("broken or outward Markdown links (file:line: target: reason)")
                .isEmpty();
        assertThat(report.files()).as("Markdown files checked").contains(Path.of("README.md"), Path.of("docs/README.md"));
        assertThat(report.links()).as("links checked in the repository").isGreaterThanOrEqualTo(25);
    }

    @Test
    void theCheckerReportsLinksOutsideTheRepositoryMissingFilesAndMissingAnchors(@TempDir Path temp) throws IOException {
        Path root = Files.createDirectories(temp.resolve("repo"));
        Files.writeString(temp.resolve("outside.md"), "# Outside\n"); // exists, but outside the repository
        Files.createDirectories(root.resolve("docs"));
        Files.writeString(root.resolve("docs/guide.md"), """
                # Guide

                ## Key rotation: the dual-key window

                Setext heading
                --------------

                ## Repeated
                ## Repeated
                """);
        Files.writeString(root.resolve("README.md"), """
                # Title

                See [the design](../outside.md) for details.
                [good](docs/guide.md#key-rotation-the-dual-key-window) and [setext](docs/guide.md#setext-heading)
                [missing anchor](docs/guide.md#no-such-heading) and [missing file](docs/nope.md)
                [folder](docs/) [self](#title) [second repeated](docs/guide.md#repeated-1)
                <a href="../outside.md">html</a> <img src="docs/missing.png" alt="x">
                ![image](../outside.md)
                [web](https://example.com/page) [spec](https://www.rfc-editor.org/rfc/rfc9457)
                [abs](file:///etc/passwd) [bad self](#nothing)
                Bare: https://example.org/x, and in code `https://example.net/` it is no link.

                ```sh
                [not a link](../in-code-block.md)
                ```
                `[not a link either](../in-code-span.md)`

                [ref]: ../outside.md
                [okref]: docs/guide.md "title"
                """);

        MarkdownLinks.Report report = MarkdownLinks.check(root);

        assertThat(report.problems()).containsExactlyInAnyOrder(
                "README.md:3: ../outside.md: resolves outside the repository",
                "README.md:5: docs/guide.md#no-such-heading: no heading with slug 'no-such-heading' in docs/guide.md",
                "README.md:5: docs/nope.md: no such file or folder",
                "README.md:7: ../outside.md: resolves outside the repository",
                "README.md:7: docs/missing.png: no such file or folder",
                "README.md:8: ../outside.md: resolves outside the repository",
                "README.md:9: https://example.com/page: external link to a host not in the allow-list",
                "README.md:10: file:///etc/passwd: external link (scheme file)",
                "README.md:10: #nothing: no heading with slug 'nothing' in README.md",
                "README.md:11: https://example.org/x: external link to a host not in the allow-list",
                "README.md:18: ../outside.md: resolves outside the repository");
        assertThat(report.links()).isEqualTo(18);
    }

    @Test
    void slugsFollowGitHub() {
        assertThat(MarkdownLinks.slug("Key rotation: the dual-key window")).isEqualTo("key-rotation-the-dual-key-window");
        assertThat(MarkdownLinks.slug("`If-Match` / ETag")).isEqualTo("if-match--etag");
        assertThat(MarkdownLinks.slug("The [design](x.md) & *data*")).isEqualTo("the-design--data");
        assertThat(MarkdownLinks.slug("runtime_acks")).isEqualTo("runtime_acks");
        assertThat(MarkdownLinks.slug("GET /api/v1/settings/{kind}")).isEqualTo("get-apiv1settingskind");
    }

    static Path repositoryRoot() {
        Path root = Path.of(System.getProperty("basedir", "")).toAbsolutePath().normalize();
        assertThat(root.resolve("pom.xml")).as("the test runs from the repository root").exists();
        return root;
    }

    /** The link checker. */
    static final class MarkdownLinks {

        /** Hosts web links may point at: public specifications only. Everything else is a link outside the repo. */
        static final Set<String> ALLOWED_HOSTS = Set.of(
                "www.rfc-editor.org",   // RFCs (problem+json is RFC 9457)
                "datatracker.ietf.org");

        static final Set<String> EXCLUDED_FOLDERS = Set.of("target", ".git", "node_modules");

        record Report(List<Path> files, int links, List<String> problems) {
        }

        private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})");
        private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?s:.+?)\\1");
        // [text](target "title") and ![alt](target); text may hold one level of nested brackets
        private static final Pattern INLINE = Pattern.compile(
                "!?\\[(?:[^\\[\\]]|\\[[^\\[\\]]*\\])*\\]\\(\\s*(<[^>\\n]*>|[^\\s()]*(?:\\([^\\s()]*\\)[^\\s()]*)*)"
                        + "(?:\\s+(?:\"[^\"]*\"|'[^']*'|\\([^)]*\\)))?\\s*\\)");
        private static final Pattern REFERENCE = Pattern.compile(
                "(?m)^ {0,3}\\[[^\\]]+\\]:[ \\t]*(<[^>\\n]*>|\\S+)");
        private static final Pattern HTML = Pattern.compile(
                "(?i)<(?:a|img)\\b[^>]*?\\s(?:href|src)\\s*=\\s*(\"[^\"]*\"|'[^']*'|[^\\s>]+)");
        private static final Pattern AUTOLINK = Pattern.compile("<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\\s<>]*)>");
        // GitHub also links bare URLs in prose (the autolink extension); code spans and blocks are already blanked out
        private static final Pattern BARE_URL = Pattern.compile("(?i)(?<![\\w/@.:-])((?:https?://|www\\.)[^\\s<>\"'`]*[^\\s<>\"'`.,:;!?*_~)\\]])");
        private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");
        private static final Pattern ATX = Pattern.compile("^ {0,3}#{1,6}(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$");
        private static final Pattern SETEXT = Pattern.compile("^ {0,3}(=+|-+)[ \\t]*$");
        private static final Pattern HTML_ID = Pattern.compile("(?i)<[a-z]+\\b[^>]*?\\s(?:id|name)\\s*=\\s*[\"']([^\"']+)[\"']");

        private MarkdownLinks() {
        }

        static Report check(Path repository) {
            Path root = realPath(repository);
            List<Path> files = markdownFiles(root);
            Map<Path, Set<String>> anchorCache = new HashMap<>();
            List<String> problems = new ArrayList<>();
            int links = 0;
            for (Path file : files) {
                String text = read(root.resolve(file));
                String prose = withoutCode(text);
                List<int[]> targets = new ArrayList<>(); // {start, end} of each target in the text
                for (Pattern pattern : List.of(INLINE, REFERENCE, HTML, AUTOLINK)) {
                    Matcher m = pattern.matcher(prose);
                    while (m.find()) {
                        targets.add(new int[] {m.start(1), m.end(1)});
                    }
                }
                Matcher bare = BARE_URL.matcher(prose);
                while (bare.find()) {
                    int start = bare.start(1);
                    if (targets.stream().noneMatch(t -> t[0] <= start && start < t[1])) {
                        targets.add(new int[] {start, bare.end(1)});
                    }
                }
                targets.sort((a, b) -> Integer.compare(a[0], b[0]));
                for (int[] span : targets) {
                    links++;
                    String target = unwrap(text.substring(span[0], span[1]));
                    if (target.regionMatches(true, 0, "www.", 0, 4)) {
                        target = "http://" + target;
                    }
                    String problem = problem(root, file, target, anchorCache);
                    if (problem != null) {
                        problems.add(file + ":" + lineOf(text, span[0]) + ": " + target + ": " + problem);
                    }
                }
            }
            return new Report(files, links, problems);
        }

        private static String problem(Path root, Path file, String target, Map<Path, Set<String>> anchors) {
            if (target.isEmpty()) {
                return "empty link target";
            }
            if (target.startsWith("//")) {
                return "external link (protocol-relative)";
            }
            Matcher scheme = SCHEME.matcher(target);
            if (scheme.find()) {
                String name = target.substring(0, scheme.end() - 1).toLowerCase(Locale.ROOT);
                if (!name.equals("http") && !name.equals("https")) {
                    return "external link (scheme " + name + ")";
                }
                try {
                    String host = new URI(target).getHost();
                    return host != null && ALLOWED_HOSTS.contains(host.toLowerCase(Locale.ROOT))
                            ? null
                            : "external link to a host not in the allow-list";
                } catch (URISyntaxException e) {
                    return "malformed URL";
                }
            }
            int hash = target.indexOf('#');
            String pathPart = hash < 0 ? target : target.substring(0, hash);
            String anchor = hash < 0 ? null : target.substring(hash + 1);
            int query = pathPart.indexOf('?');
            if (query >= 0) {
                pathPart = pathPart.substring(0, query);
            }
            Path resolved;
            if (pathPart.isEmpty()) {
                resolved = root.resolve(file);
            } else {
                String decoded = URLDecoder.decode(pathPart.replace("+", "%2B"), StandardCharsets.UTF_8);
                Path base = decoded.startsWith("/") ? root : root.resolve(file).getParent();
                resolved = base.resolve(decoded.replaceFirst("^/+", "")).normalize();
                if (!resolved.startsWith(root)) {
                    return "resolves outside the repository";
                }
                Path inside = root.relativize(resolved);
                for (Path segment : inside) {
                    if (EXCLUDED_FOLDERS.contains(segment.toString())) {
                        return "points into " + segment + "/, which is not part of the repository";
                    }
                }
                if (!Files.exists(resolved)) {
                    return "no such file or folder";
                }
                if (!realPath(resolved).startsWith(root)) {
                    return "resolves outside the repository (through a symbolic link)";
                }
            }
            if (anchor != null && resolved.getFileName().toString().endsWith(".md") && Files.isRegularFile(resolved)) {
                String wanted = URLDecoder.decode(anchor.replace("+", "%2B"), StandardCharsets.UTF_8);
                Set<String> known = anchors.computeIfAbsent(resolved, p -> anchorsOf(read(p)));
                if (!known.contains(wanted)) {
                    return "no heading with slug '" + wanted + "' in " + root.relativize(resolved);
                }
            }
            return null;
        }

        /** GitHub's heading ids: slugs of every heading (duplicates numbered -1, -2, ...) and explicit HTML ids. */
        static Set<String> anchorsOf(String text) {
            Set<String> anchors = new HashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            String[] lines = withoutCode(text).split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String heading = null;
                Matcher atx = ATX.matcher(lines[i]);
                if (atx.matches()) {
                    heading = atx.group(1) == null ? "" : atx.group(1);
                } else if (i + 1 < lines.length && !lines[i].isBlank() && SETEXT.matcher(lines[i + 1]).matches()
                        && (i == 0 || lines[i - 1].isBlank())) {
                    heading = lines[i].trim();
                    i++;
                }
                if (heading != null) {
                    String base = slug(heading);
                    int n = seen.merge(base, 1, Integer::sum) - 1;
                    anchors.add(n == 0 ? base : base + "-" + n);
                }
            }
            Matcher ids = HTML_ID.matcher(text);
            while (ids.find()) {
                anchors.add(ids.group(1));
            }
            return anchors;
        }

        /** GitHub's slug of a heading: its rendered text, lower-cased, punctuation dropped, spaces to hyphens. */
        static String slug(String heading) {
            String rendered = heading
                    .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1") // links and images: their text
                    .replaceAll("<[^>]+>", "");                      // inline HTML tags
            return rendered.trim().toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "")
                    .replace(' ', '-');
        }

        /** The text with fenced code blocks and code spans blanked out (same length, newlines kept). */
        static String withoutCode(String text) {
            StringBuilder out = new StringBuilder(text.length());
            String fence = null;
            for (String line : text.split("(?<=\n)", -1)) {
                Matcher m = FENCE.matcher(line);
                if (fence == null && m.find()) {
                    fence = m.group(1);
                    out.append(blank(line));
                } else if (fence != null) {
                    if (closes(fence, line)) {
                        fence = null;
                    }
                    out.append(blank(line));
                } else {
                    out.append(line);
                }
            }
            Matcher spans = CODE_SPAN.matcher(out);
            StringBuilder result = new StringBuilder(out.length());
            while (spans.find()) {
                spans.appendReplacement(result, Matcher.quoteReplacement(blank(spans.group())));
            }
            spans.appendTail(result);
            return result.toString();
        }

        /** A closing fence: only the opening fence's character, at least as many, up to 3 spaces of indent. */
        private static boolean closes(String fence, String line) {
            String stripped = line.strip();
            char c = fence.charAt(0);
            return line.indexOf(stripped.isEmpty() ? "\u0000" : stripped) <= 3 && stripped.length() >= fence.length()
                    && stripped.chars().allMatch(ch -> ch == c);
        }

        private static String blank(String s) {
            return s.replaceAll("[^\n]", " ");
        }

        private static String unwrap(String target) {
            String t = target.strip();
            if (t.length() >= 2 && (t.startsWith("<") && t.endsWith(">")
                    || t.startsWith("\"") && t.endsWith("\"") || t.startsWith("'") && t.endsWith("'"))) {
                t = t.substring(1, t.length() - 1).strip();
            }
            return t;
        }

        private static int lineOf(String text, int offset) {
            int line = 1;
            for (int i = 0; i < offset; i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                }
            }
            return line;
        }

        private static List<Path> markdownFiles(Path root) {
            List<Path> files = new ArrayList<>();
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        return !dir.equals(root) && EXCLUDED_FOLDERS.contains(dir.getFileName().toString())
                                ? FileVisitResult.SKIP_SUBTREE
                                : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".md")) {
                            files.add(root.relativize(file));
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            files.sort(null);
            return files;
        }

        private static String read(Path file) {
            try {
                return Files.readString(file, StandardCharsets.UTF_8).replace("\r\n", "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static Path realPath(Path path) {
            try {
                return path.toRealPath();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
