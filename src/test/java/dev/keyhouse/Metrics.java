package dev.keyhouse;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one sample of {@code /q/metrics} (Prometheus text format) on the management interface. */
public final class Metrics {

    private Metrics() {
    }

    /** The value of {@code name{labels}}, e.g. {@code value("keyhouse_sign_ins_total", "outcome=\"ok\"")}; 0 if absent. */
    public static double value(String name, String labels) {
        String body = Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)}\\s+(\\S+)$").matcher(body);
        while (matcher.find()) {
            if (matcher.group(1).contains(labels)) {
                return Double.parseDouble(matcher.group(2));
            }
        }
        return 0;
    }
}
