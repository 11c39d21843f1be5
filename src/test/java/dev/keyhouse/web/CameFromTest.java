package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link CameFrom}: the error page's way back stays on this origin whatever the Referer says (breaker b20, 8). */
class CameFromTest {

    @Test
    void onlyThePathAndQueryOfAPageAreLinked() {
        assertThat(CameFrom.path("http://localhost:8080/admin/settings/llm")).isEqualTo("/admin/settings/llm");
        assertThat(CameFrom.path("https://keyhouse.example/admin/audit?kind=settings&page=2"))
                .isEqualTo("/admin/audit?kind=settings&page=2");
        assertThat(CameFrom.path("/admin/runtimes")).isEqualTo("/admin/runtimes");
        assertThat(CameFrom.path("https://evil.example/admin/users")).as("another origin's: its path, on this one")
                .isEqualTo("/admin/users");
        assertThat(CameFrom.path("//evil.example/x")).as("scheme-relative: the host is dropped").isEqualTo("/x");
        for (String refused : new String[] {null, "", "  ", "javascript:alert(1)", "data:text/html,<b>",
                "mailto:a@b.c", "evil.example/admin", "http://evil.example", "/admin\\evil", "http://h/a b",
                "/" + "a".repeat(CameFrom.MAX)}) {
            assertThat(CameFrom.path(refused)).as(refused).isNull();
        }
        assertThat(CameFrom.path("http://h/a%0d%0ab")).as("an escaped line break stays escaped").isEqualTo("/a%0d%0ab");
    }
}
