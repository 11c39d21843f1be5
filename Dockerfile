# Keyhouse on the JVM. Build the application first (./mvnw package -DskipTests), then: docker build -t keyhouse .
# No secret is baked in: configuration comes from the environment at run time (see .env.example).
# deploy/smoke-image.sh builds this file on a locally made Debian JRE base and runs it against PostgreSQL.
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}

# A fixed numeric user, so an orchestrator can verify it is not root (Kubernetes runAsNonRoot needs a numeric USER).
# /opt/keyhouse is made here, not by WORKDIR: one layer fewer (the vfs storage driver copies every layer whole).
RUN groupadd --system --gid 10001 keyhouse \
 && useradd --system --uid 10001 --gid keyhouse --home-dir /opt/keyhouse --no-create-home --shell /usr/sbin/nologin keyhouse \
 && mkdir -p /opt/keyhouse
WORKDIR /opt/keyhouse
# Quarkus fast-jar layout: dependencies first, so a code change rebuilds only the last layers
COPY --chown=keyhouse:keyhouse target/quarkus-app/lib/ lib/
COPY --chown=keyhouse:keyhouse target/quarkus-app/*.jar ./
COPY --chown=keyhouse:keyhouse target/quarkus-app/app/ app/
COPY --chown=keyhouse:keyhouse target/quarkus-app/quarkus/ quarkus/

USER 10001:10001
EXPOSE 8080
ENV JAVA_OPTS_APPEND="-XX:MaxRAMPercentage=75"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS_APPEND -jar quarkus-run.jar"]
