package dev.keyhouse.auth;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.keyhouse.web.FieldErrors;
import dev.keyhouse.web.Problem;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code POST /api/v1/auth/token}: e-mail and password in, a bearer access token out. */
@Path("/api/v1/auth/token")
@PermitAll
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class TokenResource {

    public record Credentials(String email, String password) {
        @Override
        public String toString() {
            return "Credentials[" + email + "]";
        }
    }

    public record AccessToken(@JsonProperty("access_token") String accessToken,
            @JsonProperty("token_type") String tokenType, @JsonProperty("expires_in") long expiresIn) {
        @Override
        public String toString() {
            return "AccessToken[redacted]";
        }
    }

    private final SignIn signIn;

    public TokenResource(SignIn signIn) {
        this.signIn = signIn;
    }

    @POST
    public Response token(Credentials credentials, HttpServerRequest request) {
        FieldErrors errors = new FieldErrors();
        if (credentials == null || credentials.email() == null || credentials.email().isBlank()) {
            errors.add("email", "is required");
        }
        if (credentials == null || credentials.password() == null || credentials.password().isEmpty()) {
            errors.add("password", "is required");
        }
        errors.throwIfAny();
        SignIn.Outcome outcome = signIn.attempt(credentials.email(), credentials.password(), ClientAddress.of(request));
        if (outcome instanceof SignIn.Outcome.SignedIn in) {
            return Response.ok(new AccessToken(in.token(), "Bearer", in.lifetime().toSeconds())).build();
        }
        if (outcome instanceof SignIn.Outcome.Throttled t) {
            return Response.status(429).type(Problem.MEDIA_TYPE).header("Retry-After", t.retryAfter().toSeconds())
                    .entity(Problem.of(429, "too many failed sign-ins; retry later")).build();
        }
        return Response.status(401).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(401, "wrong e-mail or password")).build();
    }
}
