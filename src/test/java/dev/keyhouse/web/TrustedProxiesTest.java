package dev.keyhouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** TRUSTED_PROXIES as Quarkus' trusted-proxies list takes it. */
class TrustedProxiesTest {

    @Test
    void everyEntryBecomesACidrRangeAndAnEmptyValueTrustsNobody() {
        assertThat(TrustedProxies.ranges("10.0.0.5, 10.1.0.0/16 ,::1,2001:db8:0:0::/32,0:0:0:0:0:0:0:1"))
                .containsExactly("10.0.0.5/32", "10.1.0.0/16", "::1/128", "2001:db8::/32", "::1/128");
        assertThat(TrustedProxies.ranges("[::1]")).as("the bracketed form of a URL").containsExactly("::1/128");
        assertThat(TrustedProxies.ranges(null)).isEmpty();
        assertThat(TrustedProxies.ranges(" ")).isEmpty();
        assertThat(TrustedProxies.ranges("proxy.internal,10.0.0.0/40")).as("never resolved, never guessed").isEmpty();
    }
}
