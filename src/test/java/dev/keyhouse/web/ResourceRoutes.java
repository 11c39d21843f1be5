package dev.keyhouse.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Index;
import org.jboss.jandex.Indexer;
import org.jboss.jandex.MethodInfo;

import jakarta.ws.rs.HttpMethod;

/**
 * Every JAX-RS resource method the application compiles to, found by indexing {@code target/classes} with Jandex,
 * as {@code "GET /api/v1/users/{id}"}: the class-level and method-level {@code @Path} joined, the HTTP method from
 * any annotation that is itself an {@code @HttpMethod} ({@code @GET}, {@code @POST}, {@code @PATCH}, ...).
 */
final class ResourceRoutes {

    private static final DotName PATH = DotName.createSimple(jakarta.ws.rs.Path.class.getName());

    private ResourceRoutes() {
    }

    static Set<String> of(Path classesDirectory) {
        Index index = index(classesDirectory);
        Set<String> routes = new TreeSet<>();
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
                routes.add(httpMethod + " " + join(classPath.value().asString(),
                        methodPath == null ? "" : methodPath.value().asString()));
            }
        }
        return routes;
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
