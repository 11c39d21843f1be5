# Keyhouse on the JVM. Build the application first (./mvnw package -DskipTests), then: docker build -t keyhouse .
# No secret is baked in: configuration comes from the environment at run time (see .env.example).
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}

RUN groupadd --system keyhouse && useradd --system --gid keyhouse --home-dir /opt/keyhouse --shell /usr/sbin/nologin keyhouse
WORKDIR /opt/keyhouse
# Quarkus fast-jar layout: dependencies first, so a code change rebuilds only the last layers
COPY --chown=keyhouse:keyhouse target/quarkus-app/lib/ lib/
COPY --chown=keyhouse:keyhouse target/quarkus-app/*.jar ./
COPY --chown=keyhouse:keyhouse target/quarkus-app/app/ app/
COPY --chown=keyhouse:keyhouse target/quarkus-app/quarkus/ quarkus/

USER keyhouse
EXPOSE 8080
ENV JAVA_OPTS_APPEND="-XX:MaxRAMPercentage=75"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS_APPEND -jar quarkus-run.jar"]
