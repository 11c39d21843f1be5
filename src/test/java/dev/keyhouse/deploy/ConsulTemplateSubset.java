package dev.keyhouse.deploy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A renderer for the part of Go's text/template and consul-template that {@code deploy/vault/keyhouse.env.ctmpl}
 * uses, so that a test can render it without Vault Agent: text with {@code {{- ... -}}} trimming; comments ({@code {{/}<code>&#42;</code> ... <code>&#42;</code>{@code /}}});
 * {@code define}/{@code template}; {@code with}, {@code if}/{@code else if}/{@code else}, {@code end}; the functions
 * {@code secret}, {@code index}, {@code not}, {@code regexMatch} (RE2 patterns that mean the same in Java),
 * {@code replaceAll} in a pipeline and {@code sprig_fail}; field chains like {@code .Data.data.KEY}, which fail on a
 * missing key as Agent's {@code error_on_missing_key = true} makes them. Anything else is an error here, so a template
 * that grows past this subset fails its test instead of rendering wrongly.
 */
final class ConsulTemplateSubset {

    /** A render that failed: a {@code sprig_fail} or a missing key; the message is the template's, never a value. */
    static final class RenderFailure extends RuntimeException {
        RenderFailure(String message) {
            super(message);
        }
    }

    private static final Pattern ACTION = Pattern.compile("\\{\\{(- )?(.*?)( -)?}}", Pattern.DOTALL);

    private sealed interface Node permits Text, Output, Block {
    }

    private record Text(String text) implements Node {
    }

    private record Output(String expression) implements Node {
    }

    /** {@code define}, {@code with} or {@code if}: branches of (condition, body), the last with a null condition for else. */
    private record Block(String kind, List<String> conditions, List<List<Node>> bodies) implements Node {
    }

    private final Map<String, List<Node>> defines = new HashMap<>();
    private final Map<String, Map<String, String>> secrets;

    private ConsulTemplateSubset(Map<String, Map<String, String>> secrets) {
        this.secrets = secrets;
    }

    /**
     * Renders {@code template} with {@code secrets} (KV v2 read path, e.g. {@code secret/data/app} -> its data).
     *
     * @throws RenderFailure when the template fails as Agent would fail it
     */
    static String render(String template, Map<String, Map<String, String>> secrets) {
        ConsulTemplateSubset renderer = new ConsulTemplateSubset(secrets);
        List<Node> nodes = renderer.parse(tokens(template), new int[] {0}, null);
        StringBuilder out = new StringBuilder();
        renderer.execute(nodes, null, out);
        return out.toString();
    }

    /** Text and actions in order, the text already trimmed where an action asks ({@code {{- } and { -}}}). */
    private static List<String[]> tokens(String template) {
        List<String[]> tokens = new ArrayList<>();
        Matcher matcher = ACTION.matcher(template);
        int at = 0;
        boolean trimNext = false;
        while (matcher.find()) {
            String text = template.substring(at, matcher.start());
            if (trimNext) {
                text = text.stripLeading();
            }
            if (matcher.group(1) != null) {
                text = text.stripTrailing();
            }
            tokens.add(new String[] {"text", text});
            tokens.add(new String[] {"action", matcher.group(2).strip()});
            trimNext = matcher.group(3) != null;
            at = matcher.end();
        }
        String rest = template.substring(at);
        tokens.add(new String[] {"text", trimNext ? rest.stripLeading() : rest});
        return tokens;
    }

    private List<Node> parse(List<String[]> tokens, int[] position, Block block) {
        List<Node> nodes = new ArrayList<>();
        while (position[0] < tokens.size()) {
            String[] token = tokens.get(position[0]++);
            String body = token[1];
            if (token[0].equals("text")) {
                if (!body.isEmpty()) {
                    nodes.add(new Text(body));
                }
            } else if (body.startsWith("/*")) {
                continue;
            } else if (body.equals("end")) {
                return nodes;
            } else if (body.startsWith("else")) {
                if (block == null) {
                    throw new IllegalStateException("else outside a block");
                }
                block.bodies().add(nodes);
                String condition = body.equals("else") ? null : body.substring("else if ".length());
                block.conditions().add(condition);
                nodes = new ArrayList<>();
            } else if (body.startsWith("define ") || body.startsWith("with ") || body.startsWith("if ")) {
                String kind = body.substring(0, body.indexOf(' '));
                Block inner = new Block(kind, new ArrayList<>(List.of(body.substring(kind.length() + 1))),
                        new ArrayList<>());
                inner.bodies().add(parse(tokens, position, inner));
                if (kind.equals("define")) {
                    defines.put(literal(inner.conditions().get(0)), inner.bodies().get(inner.bodies().size() - 1));
                } else {
                    nodes.add(inner);
                }
            } else {
                nodes.add(new Output(body));
            }
        }
        return nodes;
    }

    private void execute(List<Node> nodes, Object dot, StringBuilder out) {
        for (Node node : nodes) {
            if (node instanceof Text text) {
                out.append(text.text());
            } else if (node instanceof Output output) {
                out.append(text(evaluate(output.expression(), dot)));
            } else if (node instanceof Block block) {
                List<List<Node>> bodies = block.bodies();
                for (int i = 0; i < block.conditions().size(); i++) {
                    String condition = block.conditions().get(i);
                    Object value = condition == null ? Boolean.TRUE : evaluate(condition, dot);
                    if (truthy(value)) {
                        execute(bodies.get(i), block.kind().equals("with") && condition != null ? value : dot, out);
                        break;
                    }
                }
            }
        }
    }

    private Object evaluate(String expression, Object dot) {
        String[] stages = expression.split(" \\| ");
        Object value = call(arguments(stages[0]), dot);
        for (int i = 1; i < stages.length; i++) {
            List<String> stage = arguments(stages[i]);
            if (!stage.get(0).equals("replaceAll") || stage.size() != 3) {
                throw new IllegalStateException("outside the subset: " + stages[i]);
            }
            value = text(value).replace(literal(stage.get(1)), literal(stage.get(2)));
        }
        return value;
    }

    private Object call(List<String> words, Object dot) {
        String head = words.get(0);
        switch (head) {
            case "secret" -> {
                Map<String, String> data = secrets.get(literal(words.get(1)));
                if (data == null) {
                    throw new RenderFailure("no secret exists at " + literal(words.get(1)));
                }
                return Map.of("Data", Map.of("data", data));
            }
            case "index" -> {
                return ((Map<?, ?>) argument(words.get(1), dot)).get(literal(words.get(2)));
            }
            case "not" -> {
                return !truthy(argument(words.get(1), dot));
            }
            case "regexMatch" -> {
                return Pattern.compile(literal(words.get(1))).matcher(text(argument(words.get(2), dot))).find();
            }
            case "sprig_fail" -> throw new RenderFailure(literal(words.get(1)));
            case "template" -> {
                StringBuilder out = new StringBuilder();
                execute(defines.get(literal(words.get(1))), argument(words.get(2), dot), out);
                return out.toString();
            }
            default -> {
                if (words.size() != 1) {
                    throw new IllegalStateException("outside the subset: " + words);
                }
                return argument(head, dot);
            }
        }
    }

    private Object argument(String word, Object dot) {
        if (word.startsWith("(")) {
            return evaluate(word.substring(1, word.length() - 1), dot);
        }
        if (word.equals(".")) {
            return dot;
        }
        if (!word.startsWith(".")) {
            throw new IllegalStateException("outside the subset: " + word);
        }
        Object value = dot;
        for (String field : word.substring(1).split("\\.")) {
            Map<?, ?> map = (Map<?, ?>) value;
            if (!map.containsKey(field)) {
                throw new RenderFailure("map has no entry for key \"" + field + "\"");
            }
            value = map.get(field);
        }
        return value;
    }

    /** The words of a call: bare words, "strings", `raw strings` and (groups) each one word. */
    private static List<String> arguments(String expression) {
        List<String> words = new ArrayList<>();
        int i = 0;
        while (i < expression.length()) {
            char c = expression.charAt(i);
            if (c == ' ') {
                i++;
                continue;
            }
            int end;
            if (c == '`') {
                end = expression.indexOf('`', i + 1) + 1;
            } else if (c == '"') {
                end = i + 1;
                while (expression.charAt(end) != '"') {
                    end += expression.charAt(end) == '\\' ? 2 : 1;
                }
                end++;
            } else if (c == '(') {
                int depth = 0;
                end = i;
                do {
                    char d = expression.charAt(end++);
                    depth += d == '(' ? 1 : d == ')' ? -1 : 0;
                } while (depth > 0);
            } else {
                end = expression.indexOf(' ', i);
                end = end < 0 ? expression.length() : end;
            }
            words.add(expression.substring(i, end));
            i = end;
        }
        return words;
    }

    /** The value of a Go string literal: `raw`, or "interpreted" with \\ \" \n escapes. */
    private static String literal(String word) {
        if (word.startsWith("`")) {
            return word.substring(1, word.length() - 1);
        }
        if (!word.startsWith("\"")) {
            throw new IllegalStateException("not a string literal: " + word);
        }
        StringBuilder value = new StringBuilder();
        for (int i = 1; i < word.length() - 1; i++) {
            char c = word.charAt(i);
            if (c == '\\') {
                char next = word.charAt(++i);
                value.append(next == 'n' ? '\n' : next);
            } else {
                value.append(c);
            }
        }
        return value.toString();
    }

    private static boolean truthy(Object value) {
        return value != null && !Boolean.FALSE.equals(value) && !"".equals(value)
                && !(value instanceof Map<?, ?> map && map.isEmpty());
    }

    private static String text(Object value) {
        if (!(value instanceof String text)) {
            throw new IllegalStateException("expected a string, got " + (value == null ? "nothing" : value.getClass()));
        }
        return text;
    }
}
