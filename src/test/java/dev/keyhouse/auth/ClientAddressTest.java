package dev.keyhouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.smallrye.common.net.Inet;

/** What sign-in throttling counts a client address as: IPv4 as itself, IPv6 by /64, IPv4 written as IPv6 as IPv4. */
class ClientAddressTest {

    @ParameterizedTest
    @CsvSource({
        "10.9.9.5, 10.9.9.5",
        "::ffff:10.9.9.5, 10.9.9.5",
        "::ffff:a09:905, 10.9.9.5",
        "0:0:0:0:0:ffff:10.9.9.5, 10.9.9.5",
        "2002:a09:905::1, 10.9.9.5",
        "2002:a09:905:ffff:1:2:3:4, 10.9.9.5",
        "2001:db8:1:2::1, 2001:db8:1:2::/64",
        "2001:db8:1:2:ffff:ffff:ffff:ffff, 2001:db8:1:2::/64",
        "2001:DB8:1:2:0:0:0:5, 2001:db8:1:2::/64",
        "2001:db8:1:3::1, 2001:db8:1:3::/64",
        "::1, ::1",
        "0:0:0:0:0:0:0:1, ::1",
        "fe80::1, fe80::/64",
        "fd00:1:2:3:4:5:6:7, fd00:1:2:3::/64"})
    void eachAddressCountsAsItsUnit(String address, String unit) {
        assertThat(ClientAddress.unit(Inet.parseInetAddress(address))).isEqualTo(unit);
    }
}
