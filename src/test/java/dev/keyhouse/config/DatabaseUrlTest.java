package dev.keyhouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseUrlTest {

    @Test
    void postgresqlUrlBecomesJdbcUrlUserAndPassword() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://keyhouse:s3cret@db.internal:6543/keyhouse?sslmode=require",
                "SYSTEM_DATABASE_URL");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/keyhouse?sslmode=require");
        assertThat(url.username()).isEqualTo("keyhouse");
        assertThat(url.password()).isEqualTo("s3cret");
        assertThat(url.location()).isEqualTo("db.internal:6543/keyhouse");
    }

    @Test
    void postgresSchemeAndDefaultPort() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://app@db/keyhouse", "SYSTEM_DATABASE_URL");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/keyhouse");
        assertThat(url.username()).isEqualTo("app");
        assertThat(url.password()).isNull();
    }

    @Test
    void jdbcUrlKeepsParametersAndLosesUserInfo() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://u:p@h1:5432,h2:5433/db?targetServerType=primary",
                "SYSTEM_DATABASE_URL");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://h1:5432,h2:5433/db?targetServerType=primary");
        assertThat(url.username()).isEqualTo("u");
        assertThat(url.password()).isEqualTo("p");
    }

    @Test
    void jdbcUrlWithoutUserInfoLeavesCredentialsToItsParameters() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://localhost/keyhouse?user=k&password=p", "SYSTEM_DATABASE_URL");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/keyhouse?user=k&password=p");
        assertThat(url.username()).isNull();
        assertThat(url.password()).isNull();
    }

    @Test
    void userAndPasswordArePercentDecodedButPlusStaysPlus() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://us%40er:p%3Aa%2Fss+w%25rd@localhost:5432/keyhouse",
                "SYSTEM_DATABASE_URL");

        assertThat(url.username()).isEqualTo("us@er");
        assertThat(url.password()).isEqualTo("p:a/ss+w%rd");
    }

    @Test
    void unencodedAtSignInPasswordStillParses() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://user:p@ss@localhost/keyhouse", "SYSTEM_DATABASE_URL");

        assertThat(url.password()).isEqualTo("p@ss");
        assertThat(url.location()).isEqualTo("localhost:5432/keyhouse");
    }

    @Test
    void ipv6Host() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://u:p@[::1]:5433/keyhouse", "SYSTEM_DATABASE_URL");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5433/keyhouse");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mysql://u:hunter2secret@h/db", "postgresql://u:hunter2secret@h:notaport/db",
            "postgresql://u:hunter2secret@h:70000/db", "postgresql://u:hunter2secret@h", "postgresql://u:hunter2secret@/db",
            "postgresql://u:hunter2secret%zz@h/db", "hunter2secret", "postgresql://u:hunter2secret@h/",
            "postgresql://u:hunter2secret@[::1/db", "postgresql://u:hunter2secret@h o st/db"})
    void malformedUrlNamesTheVariableAndNeverEchoesTheValue(String value) {
        assertThatThrownBy(() -> DatabaseUrl.parse(value, "SYSTEM_DATABASE_URL"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("SYSTEM_DATABASE_URL is not a valid PostgreSQL URL")
                .hasNoCause()
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2secret"));
    }

    @Test
    void dsnFromPostgresVariables() {
        DatabaseUrl url = DatabaseUrl.of("db.internal", "5433", "keyhouse", "keyhouse", "pw");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5433/keyhouse");
        assertThat(url.username()).isEqualTo("keyhouse");
        assertThat(url.password()).isEqualTo("pw");
    }

    @Test
    void badPostgresPortNamesTheVariable() {
        assertThatThrownBy(() -> DatabaseUrl.of("db", "fifty", "keyhouse", "keyhouse", "pw"))
                .hasMessageStartingWith("POSTGRES_PORT");
    }
}
