package dev.keyhouse;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The test profiles, in one place. */
public final class Profiles {

    /** Fixed test-only encryption keys: a current key and one previous key, as after a rotation. */
    public static final String CURRENT_KEY = "dGVzdC1vbmx5LWN1cnJlbnQta2V5LTMyLWJ5dGVzISE=";
    public static final String PREVIOUS_KEY = "dGVzdC1vbmx5LXByZXZpb3VzLWtleS0zMi1ieXRlcyE=";

    private Profiles() {
    }

    /** The application with both test keys configured; the database comes from the test configuration. */
    public static final class WithEncryptionKeys implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhouse.crypto.key", CURRENT_KEY, "keyhouse.crypto.previous-keys", PREVIOUS_KEY);
        }
    }

    /** A host with OPENAI_API_KEY set, to seed the llm setting on start. */
    public static final class WithBootstrapOpenAiKey implements QuarkusTestProfile {

        /** A test-only value; it must never show up outside the sealed value. */
        public static final String OPENAI_KEY = "sk-bootstrap-test-7c1e0d93a4b2f6e8";

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhouse.bootstrap.openai-api-key", OPENAI_KEY);
        }
    }
}
