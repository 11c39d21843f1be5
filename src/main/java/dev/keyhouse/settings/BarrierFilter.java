package dev.keyhouse.settings;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Holds back the answer of a request that committed a setting change (API or settings page: a save, a rollback)
 * until {@link ReplicaBarrier#await()} says no other replica can serve the previous environment from memory. A
 * response filter: it runs after the resource method returned, so its transaction has committed and its pooled
 * connection is back in the pool, on the worker thread that ran it.
 */
public class BarrierFilter {

    private static final Logger LOG = Logger.getLogger(BarrierFilter.class);

    @Inject
    ReplicaBarrier barrier;

    /** Waits for the replicas' acknowledgements when this request committed a change (at most 1.75 s). */
    @ServerResponseFilter
    public void awaitReplicas(ContainerResponseContext response) {
        if (!ReplicaBarrier.takeOwed()) {
            return;
        }
        if (io.vertx.core.Context.isOnEventLoopThread()) {
            // never reached: a method that writes runs on a worker thread. Blocking here would stall the event loop.
            LOG.warn("runtime-config barrier skipped: a settings change answered on an event-loop thread");
            return;
        }
        long waited = barrier.await();
        if (LOG.isDebugEnabled()) {
            LOG.debugf("runtime-config barrier: the change's answer waited %d µs for the replicas", waited / 1000);
        }
    }
}
