package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.keyhouse.SystemTools;
import dev.keyhouse.TestSettings;
import dev.keyhouse.audit.Audit;
import dev.keyhouse.audit.AuditEvent;
import dev.keyhouse.settings.SettingsBrowserTest;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Issue 20, items 10 and 11, in a real headless Chromium: the audit table stays inside its card at 1366×900 with
 * long unbroken values in every column, and at a phone's 375 px every link of the top navigation is on screen.
 */
@QuarkusTest
@SystemTools({"chromium", "chromedriver"})
class LayoutBrowserTest {

    private static final String LONG_ACTOR = "layout-" + "x".repeat(90) + "@keyhouse.test";

    @TestHTTPResource("/")
    URL base;

    @Inject
    Audit audit;

    @Test
    void theAuditTableDoesNotOverflowItsCardAt1366() throws Exception {
        // an event whose every column holds one long unbroken word, as a webhook URL or a JSON detail can be
        QuarkusTransaction.requiringNew().run(() -> audit.record(Audit.Entry.of(LONG_ACTOR, "layout.check-" + "y".repeat(80),
                "layout", "target-" + "z".repeat(250)).detail("{\"detail\":\"" + "w".repeat(600) + "\"}")
                .fingerprints("a".repeat(64), "b".repeat(64))));
        WebDriver browser = signedIn(1366, 900);
        try {
            browser.get(url("/admin/audit?kind=layout"));
            assertThat(browser.findElements(By.cssSelector("table.audit tbody tr"))).hasSize(1);
            assertThat(browser.findElement(By.cssSelector("table.audit tbody tr")).getText()).contains(LONG_ACTOR);
            @SuppressWarnings("unchecked")
            Map<String, Object> sizes = (Map<String, Object>) ((JavascriptExecutor) browser).executeScript(
                    "const table = document.querySelector('table.audit'); const card = table.closest('.card');"
                            + " return {inner: window.innerWidth, cardScroll: card.scrollWidth,"
                            + " cardClient: card.clientWidth, tableRight: table.getBoundingClientRect().right,"
                            + " cardRight: card.getBoundingClientRect().right,"
                            + " page: document.documentElement.scrollWidth};");
            assertThat(((Number) sizes.get("inner")).intValue()).as("the window is 1366 wide").isEqualTo(1366);
            assertThat(((Number) sizes.get("cardScroll")).intValue()).as("the card's content width " + sizes)
                    .isLessThanOrEqualTo(((Number) sizes.get("cardClient")).intValue());
            assertThat(((Number) sizes.get("tableRight")).doubleValue()).as("the table ends inside its card " + sizes)
                    .isLessThanOrEqualTo(((Number) sizes.get("cardRight")).doubleValue());
            assertThat(((Number) sizes.get("page")).intValue()).as("no horizontal scrolling " + sizes)
                    .isLessThanOrEqualTo(1366);
        } finally {
            browser.quit();
            QuarkusTransaction.requiringNew().run(() -> AuditEvent.delete("actor", LONG_ACTOR));
        }
    }

    @Test
    void everyNavigationLinkIsOnScreenAtAPhonesWidth() throws Exception {
        WebDriver browser = signedIn(375, 812);
        try {
            for (String page : List.of("/admin/settings", "/admin/audit", "/admin/environment")) {
                browser.get(url(page));
                assertThat(((Number) ((JavascriptExecutor) browser).executeScript("return window.innerWidth;"))
                        .intValue()).as("the window is a phone's width").isEqualTo(375);
                List<WebElement> links = browser.findElements(By.cssSelector("header.top nav a"));
                assertThat(links).as(page).hasSize(7);
                for (WebElement link : links) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> box = (Map<String, Object>) ((JavascriptExecutor) browser).executeScript(
                            "const r = arguments[0].getBoundingClientRect(); return {left: r.left, right: r.right,"
                                    + " top: r.top, bottom: r.bottom, width: r.width};", link);
                    String name = page + " " + link.getText() + " " + box;
                    assertThat(link.isDisplayed()).as(name).isTrue();
                    assertThat(((Number) box.get("width")).doubleValue()).as(name).isPositive();
                    assertThat(((Number) box.get("left")).doubleValue()).as(name).isGreaterThanOrEqualTo(0);
                    assertThat(((Number) box.get("right")).doubleValue()).as(name).isLessThanOrEqualTo(375);
                    assertThat(((Number) box.get("top")).doubleValue()).as(name).isGreaterThanOrEqualTo(0);
                }
            }
        } finally {
            browser.quit();
        }
    }

    /** Every page a signed-in administrator reaches from the navigation, and the forms it links to. */
    private static final List<String> PAGES = List.of("/admin/settings", "/admin/settings/llm", "/admin/settings/stt",
            "/admin/settings/tts", "/admin/settings/twilio", "/admin/settings/livekit", "/admin/settings/storage",
            "/admin/settings/tracing", "/admin/settings/stt/providers/new", "/admin/runtimes",
            "/admin/shared-secrets", "/admin/rotate-credentials", "/admin/users", "/admin/audit", "/admin/environment");

    /**
     * Follow-up, point 4: no page scrolls sideways at a laptop's 1366 px or a phone's 375 px: the document is never
     * wider than the window (long values wrap; a table too wide for a phone scrolls inside its own container). The
     * sign-in page too, signed out. A failure names the page and the widest elements past the window's edge.
     */
    @Test
    void noPageIsWiderThanTheWindowAt1366Or375() throws Exception {
        // a target with a long command and a run of it with a failure: the target's and the run's pages too
        String admin = dev.keyhouse.ApiClient.adminToken();
        long target = io.restassured.RestAssured.given().auth().oauth2(admin).contentType("application/json")
                // a name of the longest kind (100 characters, one word): the lists' name cells break it
                .body(Map.of("name", ("layout-" + System.nanoTime() + "-" + "n".repeat(100)).substring(0, 100),
                        "driver", "command", "dependsOn", List.of("tracing"),
                        "config", Map.of("command", "echo " + "layout-long-output-".repeat(12) + "; exit 3")))
                .post("/api/v1/runtimes").then().statusCode(201).extract().jsonPath().getLong("id");
        long run = io.restassured.RestAssured.given().auth().oauth2(admin).post("/api/v1/runtimes/" + target + "/restart")
                .then().statusCode(202).extract().jsonPath().getLong("id");
        // breaker 20g, finding 3: the shared-secrets list names the long target, and the confirmation steps that
        // name it in their question and button ("Restart <name> now")
        long secret = io.restassured.RestAssured.given().auth().oauth2(admin).contentType("application/json")
                .body(Map.of("name", "layout-" + System.nanoTime(), "variable", "LAYOUT_" + System.nanoTime(),
                        "targets", List.of(target)))
                .post("/api/v1/shared-secrets").then().statusCode(201).extract().jsonPath().getLong("id");
        List<String> pages = new java.util.ArrayList<>(PAGES);
        pages.add("/admin/runtimes/" + target);
        pages.add("/admin/restarts/" + run);
        pages.add("/admin/runtimes/" + target + "/restart");
        pages.add("/admin/runtimes/" + target + "/delete");
        pages.add("/admin/shared-secrets/" + secret);
        try {
            fitAt(pages);
        } finally {
            io.restassured.RestAssured.given().auth().oauth2(admin).delete("/api/v1/shared-secrets/" + secret);
            io.restassured.RestAssured.given().auth().oauth2(admin).delete("/api/v1/runtimes/" + target);
        }
    }

    /**
     * The sign-in page signed out, then every page signed in, at 1366 and then 375 px, in one Chromium (a start of
     * its own for each width and each state cost more than all the pages; each page is loaded after the resize).
     */
    private void fitAt(List<String> pages) throws Exception {
        int[] widths = {1366, 375};
        WebDriver browser = SettingsBrowserTest.startChromium();
        try {
            for (int width : widths) {
                browser.manage().window().setSize(new Dimension(width, 900));
                browser.get(url("/login"));
                assertFits(browser, "/login", width);
            }
            signIn(browser);
            for (int width : widths) {
                browser.manage().window().setSize(new Dimension(width, 900));
                for (String page : pages) {
                    browser.get(url(page));
                    assertFits(browser, page, width);
                }
            }
        } finally {
            browser.quit();
        }
    }

    private static void assertFits(WebDriver browser, String page, int width) {
        @SuppressWarnings("unchecked")
        Map<String, Object> sizes = (Map<String, Object>) ((JavascriptExecutor) browser).executeScript(
                "const w = window.innerWidth; const past = [];"
                        + " for (const e of document.body.querySelectorAll('*')) {"
                        + "   const r = e.getBoundingClientRect(); let scrolled = false;"
                        + "   for (let p = e.parentElement; p; p = p.parentElement) {"
                        + "     const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') { scrolled = true; break; } }"
                        + "   if (r.right > w + 0.5 && !scrolled) past.push(e.tagName.toLowerCase()"
                        + "     + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '')"
                        + "     + ' right ' + Math.round(r.right)); }"
                        + " return {inner: w, page: document.documentElement.scrollWidth, past: past.slice(0, 8).join('; ')};");
        assertThat(((Number) sizes.get("inner")).intValue()).as("the window is " + width + " wide").isEqualTo(width);
        assertThat(((Number) sizes.get("page")).intValue()).as(page + " at " + width + " px: " + sizes)
                .isLessThanOrEqualTo(width);
        if (width >= 1366) {
            // smalls, point 3: at a laptop's width nothing scrolls sideways inside its card either; long values wrap
            Object scrolling = ((JavascriptExecutor) browser).executeScript(
                    "const out = []; for (const e of document.body.querySelectorAll('*')) {"
                            + " const o = getComputedStyle(e).overflowX;"
                            + " if ((o === 'auto' || o === 'scroll') && e.scrollWidth > e.clientWidth + 1)"
                            + "   out.push(e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' '"
                            + "     + e.scrollWidth + ' in ' + e.clientWidth); } return out.join('; ');");
            assertThat((String) scrolling).as(page + " at " + width + " px: scrolls inside a card").isEmpty();
        }
        // issue 20 (truth 2, point 5): a button in a table ("Restart now…") is on one line: it never breaks inside a
        // word ("Restar|t now…") nor wraps
        Object wrapped = ((JavascriptExecutor) browser).executeScript(
                "const out = []; for (const e of document.querySelectorAll('td button, .nowrap')) {"
                        + " const range = document.createRange(); range.selectNodeContents(e);"
                        + " const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0)"
                        + "   .map(r => Math.round(r.top)));"
                        + " if (tops.size > 1) out.push(e.textContent.trim()); } return out.join(' | ');");
        assertThat((String) wrapped).as(page + " at " + width + " px: buttons on more than one line").isEmpty();
        // a state label in a table (a phrase: "restarted, confirmation not asked") may wrap between its words when
        // the table needs the room at 1366 px (a full runtimes list), never inside one ("confirm|ation")
        Object broken = ((JavascriptExecutor) browser).executeScript(
                "const out = []; for (const e of document.querySelectorAll('td .state, td button, .nowrap')) {"
                        + " const walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);"
                        + " for (let n = walk.nextNode(); n; n = walk.nextNode()) { const words = /\\S+/g; let m;"
                        + "   while ((m = words.exec(n.data))) { const r = document.createRange();"
                        + "     r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);"
                        + "     const tops = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0)"
                        + "       .map(x => Math.round(x.top)));"
                        + "     if (tops.size > 1) out.push(m[0] + ' in ' + e.textContent.trim()); } } }"
                        + " return out.join(' | ');");
        assertThat((String) broken).as(page + " at " + width + " px: a label broken inside a word").isEmpty();
    }

    /**
     * Smalls, point 3: the Environment table with long unbroken values (a URL, a host list, a Vault path: written into
     * the page's value and source cells, as a host's variables can hold them) fits its card at 1366 px without
     * scrolling inside it, and the page stays within a phone's 375 px (the table may scroll inside its card there).
     */
    @Test
    void theEnvironmentTableWithLongValuesFitsItsCardAt1366And375() throws Exception {
        WebDriver browser = signedIn(1366, 900);
        try {
            for (int width : new int[] {1366, 375}) {
                browser.manage().window().setSize(new Dimension(width, 900));
                browser.get(url("/admin/environment"));
                Object filled = ((JavascriptExecutor) browser).executeScript(
                        "const cells = document.querySelectorAll('table#variables td code'); let n = 0;"
                                + " for (const c of cells) { if (n++ % 3 === 0) c.textContent ="
                                + " 'https://vault.internal.example:8200/v1/' + 'long-unbroken-value-'.repeat(12); }"
                                + " return n;");
                assertThat(((Number) filled).intValue()).as("the table's code cells").isGreaterThan(10);
                assertFits(browser, "/admin/environment with long values", width);
            }
        } finally {
            browser.quit();
        }
    }

    /** Chromium at {@code width}×{@code height}, signed in as the administrator through the sign-in form. */
    private WebDriver signedIn(int width, int height) throws Exception {
        WebDriver browser = SettingsBrowserTest.startChromium();
        browser.manage().window().setSize(new Dimension(width, height));
        signIn(browser);
        return browser;
    }

    /** Signs the browser in as the administrator through the sign-in form. */
    private void signIn(WebDriver browser) {
        browser.get(url("/login"));
        browser.findElement(By.id("email")).sendKeys(TestSettings.ADMIN_EMAIL);
        browser.findElement(By.id("password")).sendKeys(TestSettings.ADMIN_PASSWORD);
        browser.findElement(By.cssSelector("form[action='/login'] button[type='submit']")).click();
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(b -> !b.getCurrentUrl().contains("/login"));
    }

    private String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }
}
