package dev.keyhouse.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The egress policy alone: no DNS (lookups are answered by the test), no connection. */
class EgressPolicyTest {

    private static final EgressPolicy FRESH = EgressPolicy.nothingListed();
    private static final EgressPolicy EVERYTHING_PRIVATE_LISTED = EgressPolicy.parse(
            "127.0.0.0/8, ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7, 198.18.0.0/15,"
                    + " 2001:2::/48");
    /** Wide CIDRs that take in every special-purpose range but are not one themselves. */
    private static final EgressPolicy WIDE_LISTED = EgressPolicy.parse("1.0.0.0/8, 128.0.0.0/1, 2000::/3, fc00::/7");

    @ParameterizedTest
    @ValueSource(strings = {"169.254.169.254", "169.254.0.1", "[fe80::1]", "[fe80::a9fe:a9fe]", "[febf::1]",
            "0.0.0.0", "0.1.2.3", "[::]", "224.0.0.1", "239.255.255.250", "[ff02::1]", "255.255.255.255",
            "240.0.0.1", "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", "[::169.254.169.254]",
            "[64:ff9b::169.254.169.254]", "[64:ff9b:1::a9fe:a9fe]", "[2002:a9fe:a9fe::]", "[::ffff:0.0.0.0]",
            "[::ffff:224.0.0.1]", "[2002:e000:1::1]", "[::ffff:0:169.254.169.254]", "[::ffff:0:a9fe:a9fe]"})
    void linkLocalMetadataUnspecifiedMulticastAndBroadcastAreRefusedWhateverIsListed(String host) {
        for (EgressPolicy policy : List.of(FRESH, EVERYTHING_PRIVATE_LISTED, WIDE_LISTED,
                EgressPolicy.parse("metadata.example, 10.0.0.0/8"))) {
            assertThat(policy.checkWithoutLookup(host)).as(host).get().asString()
                    .contains("which Keyhouse never connects to");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "[::1]", "localhost", "LocalHost", "voice.localhost", "10.0.0.7",
            "172.16.0.1", "172.31.255.254", "192.168.1.20", "100.64.0.1", "100.127.255.254", "[fd00::1]", "[fc00::7]",
            "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "[::ffff:10.1.2.3]",
            "[64:ff9b::10.0.0.1]", "[2002:0a00:0001::]", "[2002:7f00:1::1]", "[::ffff:0:127.0.0.1]",
            "[::ffff:0:a00:1]", "198.18.0.1", "198.19.255.254", "[::ffff:198.18.0.1]", "[64:ff9b::c612:1]",
            "[2001:2::1]", "[2001:2:0:ffff::1]"})
    void loopbackPrivateAndUniqueLocalAreRefusedUntilListed(String host) {
        assertThat(FRESH.checkWithoutLookup(host)).as(host).get().asString()
                .contains("which Keyhouse connects to only when EGRESS_ALLOWED_HOSTS lists it");
        assertThat(EVERYTHING_PRIVATE_LISTED.checkWithoutLookup(host)).as(host).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
            "192.169.0.1", "169.253.255.255", "126.255.255.255", "223.255.255.255", "[2606:4700::1111]",
            "[64:ff9b::8.8.8.8]", "[2002:0808:0808::]", "[::ffff:8.8.8.8]",
            // next to the special-purpose ranges, and the registries' globally reachable ones
            "192.0.0.9", "192.0.0.10", "192.0.1.0", "192.0.3.1", "192.31.196.1", "192.52.193.1", "192.88.98.255",
            "192.88.100.0", "192.175.48.1", "198.17.255.255", "198.20.0.0", "198.51.99.255", "198.51.101.0",
            "203.0.112.255", "203.0.114.0", "[2001:1::1]", "[2001:1::2]", "[2001:1::3]", "[2001:3::1]",
            "[2001:4:112::1]", "[2001:200::1]", "[2001:db9::1]", "[2001:db7:ffff::1]", "[2620:4f:8000::1]",
            "[3fff:1000::1]", "[3ffe::1]", "[2003::1]", "[3fff:ffff::1]"})
    void publicAddressesAreReachedOnAFreshInstall(String host) {
        assertThat(FRESH.checkWithoutLookup(host)).as(host).isEmpty();
    }

    /**
     * The IANA special-purpose registries' ranges that are not globally reachable (RFC 6890 and updates), in every
     * form that carries them, are never reached: not when a wide CIDR takes them in, not when a listed name resolves
     * to them. Each refusal names its range.
     */
    @ParameterizedTest
    @ValueSource(strings = {"192.0.0.0|IETF protocol assignments", "192.0.0.1|IETF protocol assignments",
            "192.0.0.8|192.0.0.0/24", "192.0.0.11|192.0.0.0/24", "192.0.0.170|192.0.0.0/24", "192.0.0.255|192.0.0.0/24",
            "192.0.2.0|TEST-NET-1", "192.0.2.1|documentation", "192.0.2.255|TEST-NET-1", "198.51.100.7|TEST-NET-2",
            "203.0.113.42|TEST-NET-3", "192.88.99.1|6to4 relay anycast", "192.88.99.255|192.88.99.0/24",
            "[::ffff:192.0.2.1]|TEST-NET-1", "[::ffff:c000:201]|TEST-NET-1", "[64:ff9b::203.0.113.1]|TEST-NET-3",
            "[2002:c000:0201::1]|TEST-NET-1", "[::ffff:0:192.0.0.1]|192.0.0.0/24", "[::192.88.99.1]|6to4 relay",
            "[2001::1]|Teredo", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]|Teredo", "[2001:0:ffff::]|Teredo",
            "[2001:db8::1]|documentation", "[2001:db8:ffff:ffff::1]|2001:db8::/32", "[3fff::1]|3fff::/20",
            "[3fff:fff:ffff::1]|documentation", "[2001:10::1]|ORCHID", "[2001:1f:ffff::1]|ORCHID",
            "[2001:20::1]|ORCHIDv2", "[2001:2f:ffff::1]|ORCHIDv2", "[2001:30::1]|2001:30::/28",
            "[2001:1::4]|IETF protocol assignments", "[2001:5::1]|2001::/23", "[2001:1ff:ffff::1]|2001::/23",
            "[5f00::1]|2000::/3", "[2001:1:0:1::1]|2001::/23", "[100::]|discard-only", "[100::ffff:ffff:ffff:ffff]|100::/64",
            "[100:0:0:1::1]|outside global unicast", "[1::]|outside global unicast", "[1::1]|2000::/3",
            "[fbff::1]|2000::/3", "[fe00::1]|2000::/3", "[4000::1]|2000::/3", "[e000::1]|2000::/3",
            "[::2:0:0:1]|2000::/3", "[64:ff9c::1]|2000::/3", "[fec0::1]|site-local", "[feff::1]|fec0::/10",
            "[::8.8.8.8]|IPv4-compatible", "[::ffff:0:8.8.8.8]|IPv4-translated", "[::ffff:0:808:808]|::ffff:0:0:0/96"})
    void specialPurposeAddressesThatAreNotGloballyReachableAreNeverReached(String example) {
        String host = example.substring(0, example.indexOf('|'));
        String range = example.substring(example.indexOf('|') + 1);
        for (EgressPolicy policy : List.of(FRESH, EVERYTHING_PRIVATE_LISTED, WIDE_LISTED)) {
            assertThat(policy.checkWithoutLookup(host)).as(host).get().asString()
                    .contains("which Keyhouse never connects to").contains(range);
        }
        EgressPolicy.Lookup resolvesThere = name -> new InetAddress[] {address(bare(host))};
        assertThatThrownBy(() -> EgressPolicy.parse("special.example").addresses("special.example", resolvesThere))
                .as(host).isInstanceOf(EgressRefused.class)
                .hasMessageStartingWith("special.example (").hasMessageContaining("which Keyhouse never connects to");
        assertThat(EgressPolicy.problems(bare(host))).as("an entry that names it").singleElement().asString()
                .endsWith("which Keyhouse never connects to; remove it");
    }

    @Test
    void benchmarkingAddressesAreReachedOnlyWhenListed() {
        for (String host : List.of("198.18.0.1", "198.19.255.255", "[2001:2::1]", "[::ffff:198.18.7.7]")) {
            assertThat(FRESH.checkWithoutLookup(host)).as(host).get().asString()
                    .contains("is a benchmarking address (").contains("connects to only when EGRESS_ALLOWED_HOSTS");
        }
        EgressPolicy lab = EgressPolicy.parse("198.18.0.0/15, 2001:2::/48");
        assertThat(lab.checkWithoutLookup("198.19.1.2")).isEmpty();
        assertThat(lab.checkWithoutLookup("[2001:2::7]")).isEmpty();
        assertThat(EgressPolicy.parse("lab.example").check("lab.example", List.of(EgressPolicy.literal("198.18.0.9"))))
                .as("a listed name that resolves there").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0177.0.0.1", "2130706433", "0x7f.1", "0x7f000001", "127.1", "127.0.1", "0x7f.0.0.1",
            "017700000001", "127.0.0.1.", "0177.1", "00127.0.0.1", "127.000.000.001", "10.1", "167772161",
            "0xa9.0xfe.0xa9.0xfe", "2852039166", "1.2.3.4.5", "999.1.1.1", "host.123", "a.0x10"})
    void numericHostsInAnyOtherFormThanDottedDecimalAreRefusedEvenWhenWhatTheyStandForIsListed(String host) {
        List<String> looked = new ArrayList<>();
        EgressPolicy.Lookup recording = name -> {
            looked.add(name);
            return new InetAddress[] {InetAddress.getByAddress(new byte[] {127, 0, 0, 1})};
        };
        for (EgressPolicy policy : List.of(FRESH, EVERYTHING_PRIVATE_LISTED, EgressPolicy.parse("127.0.0.0/8,10.0.0.0/8,169.253.0.0/16,1.0.0.0/8"))) {
            assertThat(policy.checkWithoutLookup(host)).as(host).isPresent();
            assertThatThrownBy(() -> policy.addresses(host, recording)).as(host).isInstanceOf(EgressRefused.class);
        }
        assertThat(looked).as("never looked up: a resolver may read it as any address").isEmpty();
    }

    @Test
    void aNumericHostIsNamedWithWhatInetAtonReadsItAs() {
        assertThat(FRESH.checkWithoutLookup("0177.0.0.1")).get().asString()
                .isEqualTo("0177.0.0.1 is a number but not an address in its usual form (a.b.c.d): resolvers read such"
                        + " forms differently, some as 127.0.0.1, so Keyhouse never connects to one; write the address"
                        + " as a.b.c.d");
        assertThat(EgressPolicy.readAs("2130706433")).contains("127.0.0.1");
        assertThat(EgressPolicy.readAs("0x7f.1")).contains("127.0.0.1");
        assertThat(EgressPolicy.readAs("127.1")).contains("127.0.0.1");
        assertThat(EgressPolicy.readAs("0xa9.0xfe.0xa9.0xfe")).contains("169.254.169.254");
        assertThat(EgressPolicy.readAs("10.1")).contains("10.0.0.1");
        assertThat(EgressPolicy.readAs("999.1.1.1")).isEmpty();
    }

    @Test
    void aNameIsAllowedOnlyWhenEveryAddressItResolvesToIs() throws Exception {
        EgressPolicy.Lookup split = name -> new InetAddress[] {address("93.184.215.14"), address("169.254.169.254")};
        assertThatThrownBy(() -> FRESH.addresses("rebind.example", split)).isInstanceOf(EgressRefused.class)
                .hasMessage("rebind.example (169.254.169.254) is a link-local address (the range of cloud metadata"
                        + " services), which Keyhouse never connects to");
        EgressPolicy.Lookup internal = name -> new InetAddress[] {address("10.0.0.7")};
        assertThatThrownBy(() -> FRESH.addresses("voice-1.internal", internal)).isInstanceOf(EgressRefused.class)
                .hasMessageContaining("voice-1.internal (10.0.0.7) is a private address");
        EgressPolicy.Lookup mixed = name -> new InetAddress[] {address("10.0.0.7"), address("127.0.0.1")};
        EgressPolicy listedByName = EgressPolicy.parse("voice-1.internal");
        assertThat(listedByName.addresses("Voice-1.Internal.", mixed)).extracting(InetAddress::getHostAddress)
                .containsExactly("10.0.0.7", "127.0.0.1");
        assertThatThrownBy(() -> listedByName.addresses("voice-2.internal", mixed)).isInstanceOf(EgressRefused.class);
        EgressPolicy.Lookup metadata = name -> new InetAddress[] {address("169.254.169.254")};
        assertThatThrownBy(() -> listedByName.addresses("voice-1.internal", metadata))
                .as("a listed name still never reaches metadata").isInstanceOf(EgressRefused.class);
        EgressPolicy.Lookup isPublic = name -> new InetAddress[] {address("93.184.215.14"), address("2606:4700::1111")};
        assertThat(FRESH.addresses("example.com", isPublic)).hasSize(2);
        assertThatThrownBy(() -> FRESH.addresses("nowhere.example", name -> new InetAddress[0]))
                .isInstanceOf(UnknownHostException.class);
    }

    @Test
    void localhostIsLoopbackWithoutAskingAResolver() throws Exception {
        EgressPolicy.Lookup never = name -> {
            throw new AssertionError("looked up " + name);
        };
        assertThatThrownBy(() -> FRESH.addresses("localhost", never)).isInstanceOf(EgressRefused.class)
                .hasMessageContaining("loopback");
        assertThat(EgressPolicy.parse("127.0.0.1").checkWithoutLookup("api.localhost")).isEmpty();
    }

    @Test
    void anAddressIsListedByItselfOrACidrAndOnlyThat() {
        EgressPolicy policy = EgressPolicy.parse("10.1.0.0/16, 192.168.1.20, [fd00:1::]/32, 127.0.0.1");
        assertThat(policy.checkWithoutLookup("10.1.200.3")).isEmpty();
        assertThat(policy.checkWithoutLookup("10.2.0.1")).isPresent();
        assertThat(policy.checkWithoutLookup("192.168.1.20")).isEmpty();
        assertThat(policy.checkWithoutLookup("192.168.1.21")).isPresent();
        assertThat(policy.checkWithoutLookup("[fd00:1:ffff::5]")).isEmpty();
        assertThat(policy.checkWithoutLookup("[fd00:2::5]")).isPresent();
        assertThat(policy.checkWithoutLookup("127.0.0.2")).isPresent();
        assertThat(policy.checkWithoutLookup("[::1]")).as("::1 is not 127.0.0.1").isPresent();
        assertThat(policy.checkWithoutLookup("[::ffff:127.0.0.1]")).as("the mapped form of a listed address").isEmpty();
    }

    @Test
    void badEntriesAreNamedOneByOne() {
        assertThat(EgressPolicy.problems(" voice-1.internal , 10.0.0.0/8,,::1, [fd00::]/8, 127.0.0.1 ")).isEmpty();
        assertThat(EgressPolicy.problems("")).isEmpty();
        assertThat(EgressPolicy.problems("169.254.169.254, 10.0.0.0/33, 0177.0.0.1, voice 1, fe80::/10, 0.0.0.0/8,"
                + " 10.0.0.0/0, 2130706433, https://voice-1, ::ffff:169.254.169.254"))
                .containsExactly(
                        "EGRESS_ALLOWED_HOSTS entry '169.254.169.254' is a link-local address (the range of cloud"
                                + " metadata services), which Keyhouse never connects to; remove it",
                        "EGRESS_ALLOWED_HOSTS entry '10.0.0.0/33' has a prefix length that is not a number from 1 to 32",
                        "EGRESS_ALLOWED_HOSTS entry '0177.0.0.1' is not an address in its usual form (a.b.c.d or an"
                                + " IPv6 address), a CIDR or a host name",
                        "EGRESS_ALLOWED_HOSTS entry 'voice 1' is not a host name (letters, digits, '-' and '_' between"
                                + " dots)",
                        "EGRESS_ALLOWED_HOSTS entry 'fe80::/10' is a link-local address (the range of cloud metadata"
                                + " services), which Keyhouse never connects to; remove it",
                        "EGRESS_ALLOWED_HOSTS entry '0.0.0.0/8' is an unspecified address, which Keyhouse never"
                                + " connects to; remove it",
                        "EGRESS_ALLOWED_HOSTS entry '10.0.0.0/0' has a prefix length that is not a number from 1 to 32",
                        "EGRESS_ALLOWED_HOSTS entry '2130706433' is not an address in its usual form (a.b.c.d or an"
                                + " IPv6 address), a CIDR or a host name",
                        "EGRESS_ALLOWED_HOSTS entry 'https://voice-1' is not an address in its usual form (a.b.c.d or"
                                + " an IPv6 address), a CIDR or a host name",
                        "EGRESS_ALLOWED_HOSTS entry '::ffff:169.254.169.254' is a link-local address (the range of"
                                + " cloud metadata services), which Keyhouse never connects to; remove it");
        assertThat(EgressPolicy.problems("192.0.2.0/24, 2001:db8::/32, fec0::/10, 198.18.0.0/15, 2001::/32, [1::]"))
                .containsExactly(
                        "EGRESS_ALLOWED_HOSTS entry '192.0.2.0/24' is a documentation address, never routed (TEST-NET-1,"
                                + " 192.0.2.0/24), which Keyhouse never connects to; remove it",
                        "EGRESS_ALLOWED_HOSTS entry '2001:db8::/32' is a documentation address, never routed"
                                + " (2001:db8::/32), which Keyhouse never connects to; remove it",
                        "EGRESS_ALLOWED_HOSTS entry 'fec0::/10' is a special-purpose address that is not globally"
                                + " reachable (site-local, fec0::/10, deprecated by RFC 3879), which Keyhouse never"
                                + " connects to; remove it",
                        "EGRESS_ALLOWED_HOSTS entry '2001::/32' is a special-purpose address that is not globally"
                                + " reachable (Teredo, 2001::/32), which Keyhouse never connects to; remove it",
                        "EGRESS_ALLOWED_HOSTS entry '[1::]' is a special-purpose address that is not globally"
                                + " reachable (outside global unicast 2000::/3), which Keyhouse never connects to;"
                                + " remove it");
        assertThatThrownBy(() -> EgressPolicy.parse("metadata, 169.254.169.254"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'169.254.169.254'");
    }

    @Test
    void invalidHostsAreRefusedBeforeAnyLookup() {
        for (String host : List.of("[fe80::1%eth0]", "[not-v6]", "bad host", "-lead.example", "a..b")) {
            Optional<String> refusal = FRESH.checkWithoutLookup(host);
            assertThat(refusal).as(host).isPresent();
        }
    }

    private static InetAddress address(String text) throws UnknownHostException {
        return InetAddress.getByAddress(EgressPolicy.literal(text));
    }

    private static String bare(String host) {
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }
}
