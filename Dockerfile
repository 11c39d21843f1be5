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
# 8080: the application (HTTP_PORT). 9000: the management interface (MANAGEMENT_PORT), health and metrics only;
# publish it to the orchestrator's probes and the metrics scraper, never to the internet.
EXPOSE 8080 9000
# /q/health/ready on the management port; bash's /dev/tcp, as the image has neither curl nor wget.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${MANAGEMENT_PORT:-9000} && printf 'GET /q/health/ready HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '200 OK' <&3"]
# The JVM flags of deploy/jvm-flags (README, "Start-up and memory"); override JAVA_OPTS_APPEND for a larger heap.
ENV JAVA_OPTS_APPEND="-XX:+UseSerialGC -Xms24m -Xmx128m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -Xss512k" MALLOC_ARENA_MAX=2
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS_APPEND -jar quarkus-run.jar"]
