package dev.keyhouse.web;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;

/**
 * Reads a JSON request body after the resource has looked up what its path names. A JAX-RS entity parameter
 * ({@code Map<String, Object> body}, a record) is parsed before the resource method runs, so a malformed body on an
 * unknown id would answer 400 while a well-formed one answers 404; a resource with an id (or kind) in its path and a
 * JSON body takes the body as {@code String} instead, looks the id up (404 first), then reads it here. The mapper is
 * the application's ({@link StrictJson}: a key given twice is refused), and a body that does not parse, or has the
 * wrong shape, is answered exactly as a body JAX-RS could not read: 400 naming the field, or {@code body}
 * ({@link ProblemMapper#json}).
 */
@ApplicationScoped
public class JsonBodies {

    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    private final ObjectMapper json;

    public JsonBodies(ObjectMapper json) {
        this.json = json;
    }

    /**
     * @param body the request's entity as sent; null, empty or only whitespace is no body
     * @return the JSON object's members, or null without a body (as JAX-RS gives an absent entity)
     * @throws WebApplicationException (400, caused by Jackson's exception) when it is not one JSON object
     */
    public Map<String, Object> object(String body) {
        return parse(body, json.getTypeFactory().constructType(OBJECT));
    }

    /**
     * @param body the request's entity as sent; null, empty or only whitespace is no body
     * @param type the record or class the body binds to
     * @return the bound value, or null without a body
     * @throws WebApplicationException (400, caused by Jackson's exception) when it does not parse or bind
     */
    public <T> T read(String body, Class<T> type) {
        return parse(body, json.constructType(type));
    }

    private <T> T parse(String body, JavaType type) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return json.readValue(body, type);
        } catch (JsonProcessingException e) {
            // mapped as a body JAX-RS could not read: ProblemMapper names the field or the body, never the text
            throw new WebApplicationException(e, 400);
        }
    }
}
