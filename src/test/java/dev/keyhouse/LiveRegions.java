package dev.keyhouse;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Reads from a page whose live regions htmx swaps whole (every {@link TestSettings#BUSY_REFRESH} while something
 * runs, every {@link TestSettings#IDLE_REFRESH} otherwise): an element found just before a swap is gone when read, so
 * a read finds it again (a swap replaces it within milliseconds), and a wait treats the swap as "not yet".
 */
public final class LiveRegions {

    private LiveRegions() {
    }

    /** The text of the element {@code by} finds; NoSuchElementException when there is none. */
    public static String text(WebDriver browser, By by) {
        return read(() -> browser.findElement(by).getText());
    }

    /** The texts of every element {@code by} finds, in page order. */
    public static List<String> texts(WebDriver browser, By by) {
        return readAll(browser, by, WebElement::getText);
    }

    /** What {@code what} reads from every element {@code by} finds, in page order. */
    public static <T> List<T> readAll(WebDriver browser, By by, Function<WebElement, T> what) {
        return read(() -> browser.findElements(by).stream().map(what).toList());
    }

    /**
     * The DOM attribute {@code name} of every element {@code css} finds, in page order, read in one script run: no
     * swap can come between two elements (reading a long table row by row can straddle every refresh).
     */
    @SuppressWarnings("unchecked")
    public static List<String> attributes(WebDriver browser, String css, String name) {
        return (List<String>) ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.getAttribute(arguments[1]));",
                css, name);
    }

    /** What {@code what} reads from the element {@code by} finds ({@code WebElement::isEnabled}). */
    public static <T> T read(WebDriver browser, By by, Function<WebElement, T> what) {
        return read(() -> what.apply(browser.findElement(by)));
    }

    /** The element's DOM attribute {@code name}, null when it has none. */
    public static String attribute(WebDriver browser, By by, String name) {
        return read(() -> browser.findElement(by).getDomAttribute(name));
    }

    /** Clicks the element {@code by} finds (a stale element is never clicked: it is found again). */
    public static void click(WebDriver browser, By by) {
        read(() -> {
            browser.findElement(by).click();
            return null;
        });
    }

    /** A wait of at most {@code timeout} whose condition is tried again when a swap replaced what it read. */
    public static WebDriverWait await(WebDriver browser, Duration timeout) {
        WebDriverWait wait = new WebDriverWait(browser, timeout);
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    private static <T> T read(Supplier<T> what) {
        for (int attempt = 1;; attempt++) {
            try {
                return what.get();
            } catch (StaleElementReferenceException swapped) {
                if (attempt == 20) {
                    throw swapped;
                }
                try {
                    // the swap under way settles within milliseconds
                    Thread.sleep(25);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw swapped;
                }
            }
        }
    }
}
