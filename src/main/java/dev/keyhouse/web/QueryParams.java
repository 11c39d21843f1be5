package dev.keyhouse.web;

/** Query parameters parsed so that bad input is a 400 naming the parameter, not JAX-RS's bare 404. */
public final class QueryParams {

    private QueryParams() {
    }

    public static int pageNumber(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            int page = Integer.parseInt(value.strip());
            if (page >= 0) {
                return page;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new FieldErrors().add("page", "must be a whole number from 0");
    }
}
