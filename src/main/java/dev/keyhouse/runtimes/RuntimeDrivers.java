package dev.keyhouse.runtimes;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;

/** Every {@link RuntimeDriver} bean, by {@link RuntimeDriver#id()}. */
@ApplicationScoped
public class RuntimeDrivers {

    private final Map<String, RuntimeDriver> byId;

    public RuntimeDrivers(@Any Instance<RuntimeDriver> drivers) {
        Map<String, RuntimeDriver> found = new TreeMap<>();
        for (RuntimeDriver driver : drivers) {
            RuntimeDriver before = found.put(driver.id(), driver);
            if (before != null) {
                throw new IllegalStateException("two runtime drivers have the id " + driver.id() + ": "
                        + before.getClass().getName() + " and " + driver.getClass().getName());
            }
        }
        this.byId = Collections.unmodifiableMap(found);
    }

    public Optional<RuntimeDriver> find(String id) {
        return Optional.ofNullable(id == null ? null : byId.get(id));
    }

    /** Driver ids in alphabetical order. */
    public List<String> ids() {
        return List.copyOf(byId.keySet());
    }

    public List<RuntimeDriver> all() {
        return List.copyOf(byId.values());
    }
}
