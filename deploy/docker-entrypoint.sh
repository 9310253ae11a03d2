#!/usr/bin/env bash
# Entry point of the chatbridge image (see Dockerfile and docs/deploy.md).
#   (no arguments) | run [OPTIONS]  run the bridge on $BRIDGE_CONFIG and $BRIDGE_RULES
#   healthcheck                     exit 0 when GET /healthz on the admin port answers 200 (Docker HEALTHCHECK)
#   any other bridge.jar command    e.g. validate, dlq list, outbox stats, version
set -euo pipefail

jar=${BRIDGE_JAR:-/opt/bridge/bridge.jar}
config=${BRIDGE_CONFIG:-/config/config.json}
rules=${BRIDGE_RULES:-/config/rules.json}
# word splitting of JAVA_OPTS is intended: it holds several JVM flags
read -r -a java_opts <<< "${JAVA_OPTS:-}"

case "${1:-run}" in
  healthcheck)
    port=${BRIDGE_HEALTH_PORT:-9090}
    # bash's /dev/tcp: the JRE image has no curl, and starting a JVM every 30 s would cost more than the check
    exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
    printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 5 status <&3 || exit 1
    exec 3<&-
    [[ "$status" == *" 200 "* ]] || exit 1
    ;;
  run)
    [ $# -gt 0 ] && shift
    exec java "${java_opts[@]}" -jar "$jar" run --config "$config" --rules "$rules" "$@"
    ;;
  validate)
    shift
    exec java "${java_opts[@]}" -jar "$jar" validate --config "$config" --rules "$rules" "$@"
    ;;
  *)
    exec java "${java_opts[@]}" -jar "$jar" "$@"
    ;;
esac
