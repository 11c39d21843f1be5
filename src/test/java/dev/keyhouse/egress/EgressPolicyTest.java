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
            "127.0.0.0/8, ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, fc00::/7, fec0::/10");

    @ParameterizedTest
    @ValueSource(strings = {"169.254.169.254", "169.254.0.1", "[fe80::1]", "[fe80::a9fe:a9fe]", "[febf::1]",
            "0.0.0.0", "0.1.2.3", "[::]", "224.0.0.1", "239.255.255.250", "[ff02::1]", "255.255.255.255",
            "240.0.0.1", "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", "[::169.254.169.254]",
            "[64:ff9b::169.254.169.254]", "[64:ff9b:1::a9fe:a9fe]", "[2002:a9fe:a9fe::]", "[::ffff:0.0.0.0]",
            "[::ffff:224.0.0.1]", "[2002:e000:1::1]"})
    void linkLocalMetadataUnspecifiedMulticastAndBroadcastAreRefusedWhateverIsListed(String host) {
        for (EgressPolicy policy : List.of(FRESH, EVERYTHING_PRIVATE_LISTED, EgressPolicy.parse("metadata.example, 10.0.0.0/8"))) {
            assertThat(policy.checkWithoutLookup(host)).as(host).get().asString()
                    .contains("which Keyhouse never connects to");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "[::1]", "localhost", "LocalHost", "voice.localhost", "10.0.0.7",
            "172.16.0.1", "172.31.255.254", "192.168.1.20", "100.64.0.1", "100.127.255.254", "[fd00::1]", "[fc00::7]",
            "[fec0::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]", "[::ffff:10.1.2.3]",
            "[64:ff9b::10.0.0.1]", "[2002:0a00:0001::]", "[2002:7f00:1::1]"})
    void loopbackPrivateAndUniqueLocalAreRefusedUntilListed(String host) {
        assertThat(FRESH.checkWithoutLookup(host)).as(host).get().asString()
                .contains("which Keyhouse connects to only when EGRESS_ALLOWED_HOSTS lists it");
        assertThat(EVERYTHING_PRIVATE_LISTED.checkWithoutLookup(host)).as(host).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
            "192.169.0.1", "169.253.255.255", "126.255.255.255", "223.255.255.255", "[2606:4700::1111]",
            "[64:ff9b::8.8.8.8]", "[2002:0808:0808::]", "[fbff::1]", "[fe00::1]"})
    void publicAddressesAreReachedOnAFreshInstall(String host) {
        assertThat(FRESH.checkWithoutLookup(host)).as(host).isEmpty();
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
