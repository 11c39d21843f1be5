package dev.keyhouse.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.keyhouse.checks.StandIn.Scenario;
import dev.keyhouse.settings.ProviderKind;

/**
 * {@link ProviderChecks}' bounded pool: a hung provider holds at most {@value ProviderChecks#THREADS} threads, a check
 * beyond the threads and the queue is refused at once with {@link ChecksBusy} and sends nothing, and the pool serves
 * again once the slow calls time out ({@link Checks#TIMEOUT}).
 */
class ProviderChecksPoolTest {

    private final OpenAiStandIn hung = new OpenAiStandIn();
    private final OpenAiStandIn healthy = new OpenAiStandIn();
    private final ProviderChecks checks = Checks.of(new OpenAiCheck());
    private final ExecutorService callers = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        callers.shutdownNow();
        hung.close();
        healthy.close();
    }

    private static CheckTarget target(OpenAiStandIn provider, String key) {
        return Checks.target(ProviderKind.LLM, "openai", Set.of("apiKey"), "baseUrl", provider.baseUrl(), "apiKey",
                key);
    }

    /** Check threads of any pool in this JVM, less those before the test (other tests' idle pools). */
    private final long before = allCheckThreads();

    private static long allCheckThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("keyhouse-provider-check")).count();
    }

    private long checkThreads() {
        return allCheckThreads() - before;
    }

    /**
     * A check that waited for a thread is judged by what the provider answers once it runs: the wait is neither part
     * of its time limit nor of its duration (a bad key that queued behind slow checks was once "unreachable", and an
     * enforce-mode save went through).
     */
    @Test
    void aQueuedCheckIsJudgedByTheProviderNotByItsWaitForAThread() throws Exception {
        List<CompletableFuture<CheckOutcome>> running = new ArrayList<>();
        for (int i = 0; i < ProviderChecks.THREADS; i++) {
            String key = hung.key(Scenario.SLOW);
            running.add(CompletableFuture.supplyAsync(() -> checks.check(target(hung, key)), callers));
        }
        waitUntil(() -> hung.received().size() == ProviderChecks.THREADS);
        CompletableFuture<CheckOutcome> queued = CompletableFuture.supplyAsync(
                () -> checks.check(target(healthy, healthy.key(Scenario.INVALID))), callers);
        waitUntil(() -> checks.waiting() == 1);

        CheckOutcome outcome = queued.get(30, TimeUnit.SECONDS);
        assertThat(outcome.result()).isEqualTo(CheckResult.INVALID_KEY);
        assertThat(outcome.negativeControl()).isEqualTo(NegativeControl.REJECTED);
        java.time.Instant firstThreadFree = java.time.Instant.MAX;
        for (CompletableFuture<CheckOutcome> slow : running) {
            CheckOutcome gaveUp = slow.get(10, TimeUnit.SECONDS);
            assertThat(gaveUp.result()).isEqualTo(CheckResult.UNREACHABLE);
            java.time.Instant free = gaveUp.checkedAt().plusMillis(gaveUp.durationMs());
            firstThreadFree = free.isBefore(firstThreadFree) ? free : firstThreadFree;
        }
        // it ran once a hung call gave up its thread: checkedAt is when it ran, its duration only its own calls
        assertThat(outcome.checkedAt()).isAfterOrEqualTo(firstThreadFree.minusMillis(5));
        assertThat(outcome.durationMs()).isLessThan(Checks.TIMEOUT.toMillis());
    }

    @Test
    void aFullPoolRefusesAtOnceSendsNothingAndServesAgainOnceTheSlowCallsTimeOut() throws Exception {
        // every thread held by a hung provider, every queue slot taken by a check of a healthy one
        List<CompletableFuture<CheckOutcome>> running = new ArrayList<>();
        for (int i = 0; i < ProviderChecks.THREADS; i++) {
            String key = hung.key(Scenario.SLOW);
            running.add(CompletableFuture.supplyAsync(() -> checks.check(target(hung, key)), callers));
        }
        waitUntil(() -> hung.received().size() == ProviderChecks.THREADS);
        List<CompletableFuture<CheckOutcome>> queued = new ArrayList<>();
        for (int i = 0; i < ProviderChecks.QUEUE; i++) {
            String key = healthy.key(Scenario.GOOD);
            queued.add(CompletableFuture.supplyAsync(() -> checks.check(target(healthy, key)), callers));
        }
        waitUntil(() -> checks.waiting() == ProviderChecks.QUEUE);

        // one more: refused at once, nothing sent
        String refusedKey = healthy.key(Scenario.GOOD);
        long started = System.nanoTime();
        assertThatThrownBy(() -> checks.check(target(healthy, refusedKey))).isInstanceOf(ChecksBusy.class)
                .hasMessageContaining("busy");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(200));
        // a hung provider holds no more than the pool's threads, and the queued checks wait without sending
        assertThat(hung.received()).hasSize(ProviderChecks.THREADS);
        assertThat(healthy.received()).isEmpty();
        assertThat(checkThreads()).isLessThanOrEqualTo(ProviderChecks.THREADS);

        // the slow calls time out; the queued checks then run
        for (CompletableFuture<CheckOutcome> slow : running) {
            assertThat(slow.get(10, TimeUnit.SECONDS).result()).isEqualTo(CheckResult.UNREACHABLE);
        }
        for (CompletableFuture<CheckOutcome> waiting : queued) {
            assertThat(waiting.get(10, TimeUnit.SECONDS).result()).isEqualTo(CheckResult.OK);
        }
        assertThat(hung.received()).as("no decoy after an unreachable call").hasSize(ProviderChecks.THREADS);
        assertThat(healthy.received()).noneMatch(r -> ("Bearer " + refusedKey).equals(r.header("Authorization")));

        // and the pool serves again
        assertThat(checks.check(target(healthy, healthy.key(Scenario.GOOD))).result()).isEqualTo(CheckResult.OK);
        assertThat(checkThreads()).isLessThanOrEqualTo(ProviderChecks.THREADS);
    }

    @Test
    void aHungProviderNeverHoldsMoreThanThePoolsThreads() throws Exception {
        // twice as many callers as threads and queue together: the rest are refused, never a thread each
        int callersCount = 2 * (ProviderChecks.THREADS + ProviderChecks.QUEUE);
        List<CompletableFuture<String>> outcomes = new ArrayList<>();
        for (int i = 0; i < callersCount; i++) {
            String key = hung.key(Scenario.SLOW);
            outcomes.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return checks.check(target(hung, key)).result().json();
                } catch (ChecksBusy e) {
                    return "busy";
                }
            }, callers));
        }
        waitUntil(() -> hung.received().size() >= ProviderChecks.THREADS);
        Thread.sleep(200);
        assertThat(hung.received()).as("calls open at once").hasSize(ProviderChecks.THREADS);
        assertThat(checkThreads()).isLessThanOrEqualTo(ProviderChecks.THREADS);
        List<String> results = new ArrayList<>();
        for (CompletableFuture<String> outcome : outcomes) {
            results.add(outcome.get(30, TimeUnit.SECONDS));
        }
        assertThat(results.stream().filter("busy"::equals).count()).as("refused").isGreaterThanOrEqualTo(
                callersCount - ProviderChecks.THREADS - ProviderChecks.QUEUE);
        assertThat(results).containsOnly("busy", "unreachable");
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached in 10 s");
            }
            Thread.sleep(10);
        }
    }
}
