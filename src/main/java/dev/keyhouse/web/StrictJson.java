package dev.keyhouse.web;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Request bodies with a key given twice are refused ({@link JsonParser.Feature#STRICT_DUPLICATE_DETECTION}) instead of
 * the last one silently winning (or, for a record, a mapping failure): {@link ProblemMapper} answers 400 naming the
 * key. Jackson's default stream limits stay (nesting depth 1000, numbers of 1000 digits, strings of 20 M characters).
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }
}
