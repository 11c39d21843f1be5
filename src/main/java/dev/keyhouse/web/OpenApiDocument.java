package dev.keyhouse.web;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.tags.Tag;

/**
 * Shapes {@code /q/openapi}: only the REST API ({@code /api/...}; the HTML pages are not an API), each operation
 * tagged by the feature its path names ({@code /api/v1/settings/llm} is "settings"), so Swagger UI groups them.
 *
 * <p>The scanner also describes every type the removed pages and framework classes mention (Qute templates, Vert.x
 * requests, JAX-RS maps ...). Only the schemas the API's operations reach are kept; a reached schema that is a
 * plain value (a JDK type such as {@code Instant}, {@code UUID} or {@code Locale}: a string, number or boolean with
 * no properties) is written inline where it is used, so {@code components.schemas} names only the API's own shapes.
 */
public class OpenApiDocument implements OASFilter {

    private static final String REF_PREFIX = "#/components/schemas/";

    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "auth", "Access tokens for automation",
            "settings", "Global provider settings (secrets are write-only)",
            "environment", "The process environment, masked and read-only",
            "admin", "Re-encryption under the current key",
            "runtimes", "Runtime targets restarted when a setting they depend on changes",
            "restarts", "Restart runs and their results",
            "audit", "Audit events",
            "users", "Accounts and API tokens",
            "internal", "For runtimes: their provider configuration (PROVISIONER_INTERNAL_TOKEN)");

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        Map<String, String> used = new TreeMap<>();
        openAPI.getPaths().getPathItems().forEach((path, item) -> {
            if (!path.startsWith("/api/")) {
                openAPI.getPaths().removePathItem(path);
                return;
            }
            String tag = feature(path);
            used.put(tag, DESCRIPTIONS.getOrDefault(tag, tag));
            operations(item).forEach(operation -> {
                operation.setTags(List.of(tag));
                jsonObjectBody(operation);
            });
        });
        openAPI.setTags(used.entrySet().stream()
                .map(e -> (Tag) OASFactory.createTag().name(e.getKey()).description(e.getValue())).toList());
        keepOnlyTheApisSchemas(openAPI);
    }

    /** Drops every component schema no API operation reaches, and inlines the reached plain values. */
    private static void keepOnlyTheApisSchemas(OpenAPI openAPI) {
        if (openAPI.getComponents() == null || openAPI.getComponents().getSchemas() == null) {
            return;
        }
        Map<String, Schema> components = new LinkedHashMap<>(openAPI.getComponents().getSchemas());
        List<Schema> roots = new ArrayList<>();
        openAPI.getPaths().getPathItems().values().forEach(item -> operationSchemas(item, roots::add));

        Set<String> reached = new LinkedHashSet<>();
        Deque<Schema> pending = new ArrayDeque<>(roots);
        List<Schema> referencing = new ArrayList<>();
        while (!pending.isEmpty()) {
            Schema schema = pending.pop();
            String name = referencedName(schema);
            if (name != null) {
                referencing.add(schema);
                if (reached.add(name) && components.containsKey(name)) {
                    pending.push(components.get(name));
                }
            }
            children(schema, pending::push);
        }
        for (Schema schema : referencing) {
            Schema target = components.get(referencedName(schema));
            if (target != null && isPlainValue(target)) {
                Map<String, Object> inline = new LinkedHashMap<>(target.getAll());
                schema.getAll().forEach((key, value) -> {
                    if (!"$ref".equals(key)) {
                        inline.put(key, value);
                    }
                });
                schema.setAll(inline);
                schema.setRef(null);
            }
        }
        Set<String> stillReferenced = new LinkedHashSet<>();
        referencing.stream().map(OpenApiDocument::referencedName).filter(Objects::nonNull).forEach(stillReferenced::add);
        components.keySet().stream().filter(name -> !stillReferenced.contains(name))
                .forEach(openAPI.getComponents()::removeSchema);
    }

    /** A scalar with no structure of its own: what a JDK value type (Instant, UUID, Locale, Charset ...) becomes. */
    private static boolean isPlainValue(Schema schema) {
        List<Schema.SchemaType> types = schema.getType();
        boolean scalar = types != null && !types.isEmpty() && types.stream().noneMatch(
                type -> type == Schema.SchemaType.OBJECT || type == Schema.SchemaType.ARRAY);
        return scalar && schema.getRef() == null && schema.getProperties() == null && schema.getAllOf() == null
                && schema.getAnyOf() == null && schema.getOneOf() == null && schema.getEnumeration() == null;
    }

    private static String referencedName(Schema schema) {
        String ref = schema.getRef();
        return ref != null && ref.startsWith(REF_PREFIX) ? ref.substring(REF_PREFIX.length()) : null;
    }

    private static void operationSchemas(PathItem item, Consumer<Schema> sink) {
        parameters(item.getParameters(), sink);
        for (Operation operation : operations(item)) {
            parameters(operation.getParameters(), sink);
            if (operation.getRequestBody() != null) {
                content(operation.getRequestBody().getContent(), sink);
            }
            if (operation.getResponses() != null && operation.getResponses().getAPIResponses() != null) {
                for (APIResponse response : operation.getResponses().getAPIResponses().values()) {
                    content(response.getContent(), sink);
                    if (response.getHeaders() != null) {
                        response.getHeaders().values().stream().map(Header::getSchema).filter(Objects::nonNull)
                                .forEach(sink);
                    }
                }
            }
        }
    }

    private static void parameters(List<Parameter> parameters, Consumer<Schema> sink) {
        if (parameters != null) {
            for (Parameter parameter : parameters) {
                if (parameter.getSchema() != null) {
                    sink.accept(parameter.getSchema());
                }
                content(parameter.getContent(), sink);
            }
        }
    }

    private static void content(Content content, Consumer<Schema> sink) {
        if (content != null && content.getMediaTypes() != null) {
            content.getMediaTypes().values().stream().map(MediaType::getSchema).filter(Objects::nonNull).forEach(sink);
        }
    }

    private static void children(Schema schema, Consumer<Schema> sink) {
        List<Schema> single = new ArrayList<>();
        single.add(schema.getItems());
        single.add(schema.getNot());
        single.add(schema.getAdditionalPropertiesSchema());
        single.stream().filter(Objects::nonNull).forEach(sink);
        for (Collection<Schema> many : List.of(values(schema.getProperties()), values(schema.getDependentSchemas()),
                list(schema.getAllOf()), list(schema.getAnyOf()), list(schema.getOneOf()), list(schema.getPrefixItems()))) {
            many.stream().filter(Objects::nonNull).forEach(sink);
        }
    }

    private static Collection<Schema> values(Map<String, Schema> map) {
        return map == null ? List.of() : map.values();
    }

    private static List<Schema> list(List<Schema> list) {
        return list == null ? List.of() : list;
    }

    /** The first segment after /api/v1/: auth, settings, runtimes, ... */
    private static String feature(String path) {
        String[] segments = path.split("/");
        return segments.length > 3 ? segments[3].replaceAll("[{}]", "") : "api";
    }

    /**
     * A JSON body a resource reads as text ({@link JsonBodies}: after the id in its path is looked up) is scanned as
     * a string; it is a JSON object, and documented as one.
     */
    private static void jsonObjectBody(Operation operation) {
        if (operation.getRequestBody() == null || operation.getRequestBody().getContent() == null) {
            return;
        }
        MediaType json = operation.getRequestBody().getContent().getMediaType("application/json");
        if (json != null && json.getSchema() != null && json.getSchema().getRef() == null
                && List.of(Schema.SchemaType.STRING).equals(json.getSchema().getType())) {
            json.setSchema(OASFactory.createSchema().addType(Schema.SchemaType.OBJECT));
        }
    }

    private static List<Operation> operations(PathItem item) {
        return item.getOperations() == null ? List.of() : List.copyOf(item.getOperations().values());
    }
}
