package dev.keyhouse.runtimes;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.keyhouse.TestSettings;
import dev.keyhouse.runtimes.docker.DockerDriver;
import dev.keyhouse.runtimes.docker.RealDockerEngine;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;

/**
 * Runtimes that prove their key as README "Reporting status" asks: busybox containers on {@code --network host} (so
 * they reach Keyhouse and the provider stand-in on loopback) whose start script
 * <ol>
 * <li>fetches {@code GET /api/v1/internal/runtime-config} with the runtime token and {@code X-Keyhouse-Runtime:
 * $KEYHOUSE_RUNTIME_NAME} (the container's name; the docker driver sets it again on every copy), retrying each
 * second until it is served;</li>
 * <li>calls the LLM provider the configuration names, {@code GET $LLM_BASE_URL/models} with {@code Authorization:
 * Bearer $LLM_API_KEY}, both as fetched (an OpenAI-shaped stand-in in the tests);</li>
 * <li>reports {@code POST /api/v1/internal/runtime-status} with the fetched {@code version}: {@code ok} on a 200,
 * else {@code failing} with {@code detail} {@code invalid_key} (401), {@code http:<status>} or {@code unreachable};</li>
 * <li>sleeps, and exits at once on SIGTERM, as a well-behaved runtime does.</li>
 * </ol>
 * The script prints what it did, never a key; {@code docker logs} shows it when a test fails.
 */
final class ReportingRuntimes {

    /** The label whose value a target's selector names. */
    static final String LABEL = "keyhouse.runtime";

    /** The start script (BusyBox sh, wget and sed). Variables: KEYHOUSE, PROVISIONER_INTERNAL_TOKEN, KEYHOUSE_RUNTIME_NAME. */
    static final String SCRIPT = """
            trap 'exit 0' TERM
            auth="Authorization: Bearer $PROVISIONER_INTERNAL_TOKEN"
            name="X-Keyhouse-Runtime: $KEYHOUSE_RUNTIME_NAME"
            until wget -q -O /tmp/config.json --header "$auth" --header "$name" \\
                "$KEYHOUSE/api/v1/internal/runtime-config"; do sleep 1; done
            version=$(sed -n 's/.*"version":\\([0-9][0-9]*\\).*/\\1/p' /tmp/config.json)
            key=$(sed -n 's/.*"LLM_API_KEY":"\\([^"]*\\)".*/\\1/p' /tmp/config.json)
            base=$(sed -n 's/.*"LLM_BASE_URL":"\\([^"]*\\)".*/\\1/p' /tmp/config.json)
            rm -f /tmp/config.json
            code=$(wget -S -q -O /dev/null --header "Authorization: Bearer $key" "$base/models" 2>&1 \\
                | grep -o 'HTTP/1\\.[01] [0-9][0-9][0-9]' | tail -n 1 | cut -d ' ' -f 2)
            case "$code" in
              200) report='"status":"ok"' ;;
              401) report='"status":"failing","detail":"invalid_key"' ;;
              '') report='"status":"failing","detail":"unreachable"' ;;
              *) report="\\"status\\":\\"failing\\",\\"detail\\":\\"http:$code\\"" ;;
            esac
            until wget -q -O /dev/null --header "$auth" --header "$name" --header 'Content-Type: application/json' \\
                --post-data "{\\"version\\":$version,$report}" "$KEYHOUSE/api/v1/internal/runtime-status"; do sleep 1; done
            echo "version $version: provider answered ${code:-nothing}, reported {$report}"
            sleep 3600 & wait
            """;

    private ReportingRuntimes() {
    }

    /** Keyhouse as a container on the host network reaches it: the test's HTTP port on loopback. */
    static String keyhouse() {
        return "http://127.0.0.1:" + RestAssured.port;
    }

    /**
     * Starts a reporting runtime named {@code name}, labelled {@code keyhouse.runtime=<group>}, with {@code key} as
     * its {@code LLM_API_KEY} (what it was deployed with; it uses the one it fetches); returns its container id.
     */
    static String start(RealDockerEngine engine, String name, String group, String key) {
        List<String> env = List.of("KEYHOUSE=" + keyhouse(),
                "PROVISIONER_INTERNAL_TOKEN=" + TestSettings.RUNTIME_CONFIG_TOKEN,
                DockerDriver.RUNTIME_NAME_VARIABLE + "=" + name,
                "LLM_PROVIDER=openai", "LLM_API_KEY=" + key, "OPENAI_API_KEY=" + key);
        return engine.create(name, Map.of(LABEL, group), env, true, create -> {
            create.withCmd("sh", "-c", SCRIPT);
            create.getHostConfig().withNetworkMode("host");
            return create;
        });
    }

    /**
     * Starts {@code count} reporting runtimes {@code kh-<owner>-<group>-<i>} labelled {@code <owner>-<group>}; returns
     * their names in order.
     */
    static List<String> fleet(RealDockerEngine engine, String group, int count, String key) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String name = engine.name(group + "-" + i);
            start(engine, name, selectorValue(engine, group), key);
            names.add(name);
        }
        return names;
    }

    /** The label value of a group's runtimes. */
    static String selectorValue(RealDockerEngine engine, String group) {
        return engine.owner() + "-" + group;
    }

    /** The docker target config that selects a group's runtimes. */
    static Map<String, Object> dockerConfig(RealDockerEngine engine, String group) {
        return Map.of("host", RealDockerEngine.host(), "labelSelector", LABEL + "=" + selectorValue(engine, group));
    }

    /**
     * Each named runtime's last status report as {@code GET /api/v1/runtimes/instances} shows it ({@code version},
     * {@code status}, {@code detail}, {@code at}); a runtime that never reported maps to null.
     */
    static Map<String, Map<String, Object>> reports(RuntimeApi api, Collection<String> names) {
        JsonPath instances = api.instances();
        Map<String, Map<String, Object>> reports = new LinkedHashMap<>();
        for (String name : names) {
            reports.put(name, instances.getMap("runtimes.find { it.name == '" + name + "' }.report"));
        }
        return reports;
    }

    /**
     * Waits until each named runtime has reported {@code status} on {@code version} at or after {@code since};
     * fails naming the runtimes' last reports (and a container's output) otherwise.
     */
    static void awaitReports(RuntimeApi api, RealDockerEngine engine, Collection<String> names, long version,
            String status, Instant since, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Map<String, Object>> reports;
        do {
            reports = reports(api, names);
            if (reports.values().stream().allMatch(report -> reported(report, version, status, since))) {
                return;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        StringBuilder logs = new StringBuilder();
        reports.forEach((name, report) -> {
            if (!reported(report, version, status, since)) {
                logs.append('\n').append(name).append(": ").append(engine.logs(name));
            }
        });
        throw new AssertionError("not every runtime reported " + status + " on version " + version + " within "
                + timeout + ": " + reports + logs);
    }

    private static boolean reported(Map<String, Object> report, long version, String status, Instant since) {
        return report != null && ((Number) report.get("version")).longValue() == version
                && status.equals(report.get("status"))
                && !Instant.parse((String) report.get("at")).isBefore(since.minusMillis(1));
    }
}
