# chatbridge image: docs/deploy.md. Build: docker build -t chatbridge .
# Stage 1 builds bridge.jar with Maven (tests run in CI, not here).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q package -DskipTests

# Stage 2: a JRE 17 and the jar, run as a non-root user; the SQLite outbox lives on the /data volume.
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 bridge \
 && useradd --system --uid 10001 --gid bridge --home-dir /data --shell /usr/sbin/nologin bridge \
 && mkdir -p /data /config /opt/bridge \
 && chown bridge:bridge /data
COPY --from=build /src/bridge-app/target/bridge.jar /opt/bridge/bridge.jar
COPY deploy/docker-entrypoint.sh /opt/bridge/docker-entrypoint.sh
COPY deploy/config.json deploy/rules.json /config/
# README's small-footprint flags; MALLOC_ARENA_MAX keeps glibc from reserving an arena per thread
ENV JAVA_OPTS="-Xms64m -Xmx128m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError" \
    MALLOC_ARENA_MAX=2 \
    BRIDGE_CONFIG=/config/config.json \
    BRIDGE_RULES=/config/rules.json \
    BRIDGE_HEALTH_PORT=9090
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# 8082: DingTalk callbacks, 8090: webhook/alert ingress, 9090: admin (health, readiness, metrics)
EXPOSE 8082 8090 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/opt/bridge/docker-entrypoint.sh", "healthcheck"]
ENTRYPOINT ["/opt/bridge/docker-entrypoint.sh"]
CMD ["run"]
