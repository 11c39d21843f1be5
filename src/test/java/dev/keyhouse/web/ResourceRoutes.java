package dev.keyhouse.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Index;
import org.jboss.jandex.Indexer;
import org.jboss.jandex.MethodInfo;
import org.jboss.jandex.MethodParameterInfo;

import jakarta.ws.rs.HttpMethod;

/**
 * Every JAX-RS resource method the application compiles to, found by indexing {@code target/classes} with Jandex,
 * as {@code "GET /api/v1/users/{id}"}: the class-level and method-level {@code @Path} joined, the HTTP method from
 * any annotation that is itself an {@code @HttpMethod} ({@code @GET}, {@code @POST}, {@code @PATCH}, ...).
 */
final class ResourceRoutes {

    private static final DotName PATH = DotName.createSimple(jakarta.ws.rs.Path.class.getName());
    private static final DotName ROLES_ALLOWED = DotName.createSimple("jakarta.annotation.security.RolesAllowed");
    /** Jackson's annotations, any of which can rename, add or ignore a body's fields. */
    private static final String JACKSON = "com.fasterxml.jackson.annotation.";
    /** Unannotated parameters of these types are injected from the request's context, not read from its body. */
    private static final java.util.regex.Pattern CONTEXT_TYPES = java.util.regex.Pattern.compile(
            "io\\.vertx\\.|jakarta\\.ws\\.rs\\.core\\.|jakarta\\.ws\\.rs\\.container\\.|org\\.jboss\\.resteasy\\.reactive\\.server\\.|io\\.quarkus\\.");
    /** Parameters annotated so are read from the path, query, headers, cookies, form or context, not the body. */
    private static final java.util.regex.Pattern NOT_THE_BODY = java.util.regex.Pattern.compile(
            "jakarta\\.ws\\.rs\\.(Path|Query|Header|Cookie|Form|Matrix|Bean)Param|jakarta\\.ws\\.rs\\.core\\.Context"
                    + "|org\\.jboss\\.resteasy\\.reactive\\.Rest\\w+");
    private static final DotName PERMIT_ALL = DotName.createSimple("jakarta.annotation.security.PermitAll");

    private ResourceRoutes() {
    }

    static Set<String> of(Path classesDirectory) {
        return withRoles(classesDirectory).keySet();
    }

    /**
     * Every route (as {@link #of}, sorted) with the roles Quarkus security checks before the resource method runs:
     * the method's {@code @RolesAllowed}, else its class's, written {@code "[admin, viewer]"}; null where the route
     * is {@code @PermitAll} or unannotated, so whatever checks a credential there is the resource's own code.
     */
    static Map<String, String> withRoles(Path classesDirectory) {
        Map<String, String> roles = new TreeMap<>();
        described(classesDirectory).forEach((route, described) -> roles.put(route, described.roles()));
        return roles;
    }

    /**
     * What a route does with a request before its own code runs: {@code roles} as {@link #withRoles}; {@code
     * bodyFields} the JSON names of the body's type that Jackson binds (its record components, or its and its
     * superclasses' instance fields), empty when the method takes no body (nothing parses one), null when the body is
     * read as something else (a {@code Map}, a {@code String}) or its type carries Jackson annotations, so any name
     * may be read.
     */
    record Described(String roles, Set<String> bodyFields) {
    }

    /** Every route (as {@link #of}, sorted), {@link Described described}. */
    static Map<String, Described> described(Path classesDirectory) {
        Index index = index(classesDirectory);
        Map<String, Described> routes = new TreeMap<>();
        for (ClassInfo resource : index.getKnownClasses()) {
            AnnotationInstance classPath = resource.declaredAnnotation(PATH);
            if (classPath == null || resource.isInterface()) {
                continue;
            }
            for (MethodInfo method : resource.methods()) {
                String httpMethod = httpMethod(method);
                if (httpMethod == null) {
                    continue;
                }
                AnnotationInstance methodPath = method.declaredAnnotation(PATH);
                routes.put(httpMethod + " " + join(classPath.value().asString(),
                        methodPath == null ? "" : methodPath.value().asString()),
                        new Described(roles(resource, method), bodyFields(index, method)));
            }
        }
        return routes;
    }

    /** {@link Described#bodyFields} of a resource method. */
    private static Set<String> bodyFields(Index index, MethodInfo method) {
        for (MethodParameterInfo parameter : method.parameters()) {
            String type = parameter.type().name().toString();
            if (parameter.declaredAnnotations().stream().anyMatch(a -> NOT_THE_BODY.matcher(a.name().toString()).matches())
                    || CONTEXT_TYPES.matcher(type).lookingAt()) {
                continue;
            }
            Set<String> fields = new TreeSet<>();
            for (ClassInfo body = index.getClassByName(parameter.type().name()); body != null
                    && !body.name().toString().equals("java.lang.Object"); body = index.getClassByName(body.superName())) {
                if (body.annotations().stream().anyMatch(a -> a.name().toString().startsWith(JACKSON))) {
                    return null;
                }
                if (body.isRecord()) {
                    body.unsortedRecordComponents().forEach(c -> fields.add(c.name()));
                } else {
                    body.fields().stream().filter(f -> !java.lang.reflect.Modifier.isStatic(f.flags()))
                            .forEach(f -> fields.add(f.name()));
                }
                if (body.superName() == null) {
                    break;
                }
            }
            return fields.isEmpty() ? null : fields;
        }
        return Set.of();
    }

    /** The roles of the method's {@code @RolesAllowed}, else of its class's; null for {@code @PermitAll} or none. */
    private static String roles(ClassInfo resource, MethodInfo method) {
        if (method.declaredAnnotation(PERMIT_ALL) != null) {
            return null;
        }
        AnnotationInstance rolesAllowed = method.declaredAnnotation(ROLES_ALLOWED);
        if (rolesAllowed == null && resource.declaredAnnotation(PERMIT_ALL) == null) {
            rolesAllowed = resource.declaredAnnotation(ROLES_ALLOWED);
        }
        return rolesAllowed == null ? null
                : new TreeSet<>(Arrays.asList(rolesAllowed.value().asStringArray())).toString();
    }

    private static Index index(Path classesDirectory) {
        if (!Files.isDirectory(classesDirectory)) {
            throw new IllegalStateException(classesDirectory.toAbsolutePath() + " does not exist: compile first");
        }
        Indexer indexer = new Indexer();
        try (Stream<Path> files = Files.walk(classesDirectory)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                try (InputStream in = Files.newInputStream(file)) {
                    indexer.index(in);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return indexer.complete();
    }

    /** The method's HTTP verb, or null when it is not a resource method. */
    private static String httpMethod(MethodInfo method) {
        for (AnnotationInstance annotation : method.declaredAnnotations()) {
            if (annotation.target().kind() != AnnotationTarget.Kind.METHOD) {
                continue;
            }
            try {
                Class<?> type = Class.forName(annotation.name().toString(), false,
                        ResourceRoutes.class.getClassLoader());
                HttpMethod verb = type.getAnnotation(HttpMethod.class);
                if (verb != null) {
                    return verb.value();
                }
            } catch (ClassNotFoundException e) {
                // an annotation that is not on the test classpath cannot be a JAX-RS verb
            }
        }
        return null;
    }

    /** {@code "/"} + {@code "login"} is {@code "/login"}; {@code {id: \\d+}} is written {@code {id}}. */
    static String join(String classPath, String methodPath) {
        String joined = ("/" + classPath + "/" + methodPath).replaceAll("/+", "/")
                .replaceAll("\\{\\s*(\\w[\\w.-]*)\\s*:[^}]*}", "{$1}");
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }
}
