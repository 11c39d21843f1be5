package dev.keyhouse.web;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.tags.Tag;

/**
 * Shapes {@code /q/openapi}: only the REST API ({@code /api/...}; the HTML pages are not an API), each operation
 * tagged by the feature its path names ({@code /api/v1/settings/llm} is "settings"), so Swagger UI groups them.
 */
public class OpenApiDocument implements OASFilter {

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
            operations(item).forEach(operation -> operation.setTags(List.of(tag)));
        });
        openAPI.setTags(used.entrySet().stream()
                .map(e -> (Tag) OASFactory.createTag().name(e.getKey()).description(e.getValue())).toList());
    }

    /** The first segment after /api/v1/: auth, settings, runtimes, ... */
    private static String feature(String path) {
        String[] segments = path.split("/");
        return segments.length > 3 ? segments[3].replaceAll("[{}]", "") : "api";
    }

    private static List<Operation> operations(PathItem item) {
        return item.getOperations() == null ? List.of() : List.copyOf(item.getOperations().values());
    }
}
