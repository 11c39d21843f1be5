package dev.keyhouse.auth;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns a presented API token into an identity with the token's role (capped at its creator's current role), or
 * fails when unknown, revoked or made by a now disabled user.
 */
@ApplicationScoped
public class ApiTokenIdentityProvider implements IdentityProvider<ApiTokenAuthenticationRequest> {

    private final ApiTokens tokens;

    public ApiTokenIdentityProvider(ApiTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public Class<ApiTokenAuthenticationRequest> getRequestType() {
        return ApiTokenAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiTokenAuthenticationRequest request,
            AuthenticationRequestContext context) {
        return context.runBlocking(() -> {
            // the caller's transaction if any: a nested new one would hold a second pooled connection
            ApiTokens.Used used = QuarkusTransaction.joiningExisting().call(() -> tokens.use(request.token()))
                    .orElseThrow(() -> new AuthenticationFailedException(
                            "unknown or revoked API token, or its creator is disabled"));
            ApiToken token = used.token();
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal("token:" + token.name))
                    .addRole(used.role().id())
                    .addAttribute(Identities.API_TOKEN_ID, token.id)
                    .build();
        });
    }
}
