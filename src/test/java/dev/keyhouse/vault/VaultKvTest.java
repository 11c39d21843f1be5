package dev.keyhouse.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** How {@link VaultKv} names a Vault that does not answer, as against one it cannot reach. */
class VaultKvTest {

    /**
     * A Vault (or a proxy before it) that accepts the connection and never answers is named for that, within the
     * request timeout, not called unreachable: the operator looks at a hung server, not at VAULT_ADDR.
     */
    @Test
    void aVaultThatAcceptsAndNeverAnswersIsNamedForIt() throws Exception {
        List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(hung.accept()); // read nothing, answer nothing
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String address = "http://127.0.0.1:" + hung.getLocalPort();
            Map<String, String> env = Map.of(VaultSettings.ADDR, address, VaultSettings.TOKEN, "hvs.hung-token-0001",
                    VaultSettings.KV_PATH, "secret/data/keyhouse");
            VaultKv kv = VaultKv.connect(VaultSettings.from(name -> Optional.ofNullable(env.get(name))).orElseThrow());
            assertThatThrownBy(() -> kv.currentVersion(new VaultSettings.KvPath("secret", "llm")))
                    .isInstanceOf(VaultKv.VaultFailure.class)
                    .satisfies(e -> assertThat(((VaultKv.VaultFailure) e).kind())
                            .isEqualTo(VaultKv.FailureKind.UNREACHABLE))
                    .hasMessageContaining("Vault at " + address + " accepted the connection but did not answer")
                    .hasMessageNotContaining("hung-token")
                    .hasMessageNotContaining("is unreachable");
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
