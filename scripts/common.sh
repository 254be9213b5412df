# scripts/common.sh -- set-up shared by scripts/test and scripts/demo: find the
# repository, install the Debian packages the project needs (as root) or say
# exactly which command would, and configure + build with CMake.
# Sourced, not run.

SW_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build tools and the libraries the project uses, plus the peers the tests
# talk to and the tools they run (a fresh Debian 12 image has neither `file`,
# which cpack's dpkg-shlibdeps step needs, nor systemd-analyze: without them
# test_ops_package and test_ops_units skip).  Keep in sync with
# docs/development.md "Dependencies".
SW_PACKAGES=(
  cmake make gcc pkg-config
  libwebsockets-dev libwebsockets-evlib-uv libuv1-dev libcjson-dev libhiredis-dev
  libcriterion-dev libcurl4-openssl-dev libsystemd-dev redis-server libjsmn-dev
  libssl-dev python3-aiosmtpd
  # PNG charts: the dashboard's /chart/*.png and the pictures in notifications
  libcairo2-dev
  python3-websockets openssl
  prometheus dpkg-dev file systemd lintian
  python3-jsonschema python3-redis
  clang libclang-rt-14-dev valgrind
  # tests only: a real browser opens shock-report's page (chromium, with the
  # font the page names first), libpng decodes its screenshot
  chromium fonts-dejavu-core libpng-dev
  # tests only: three sentinels over a master and a replica (test_sentinel,
  # scripts/failover)
  redis-sentinel
)

sw_say() { printf '%s: %s\n' "${SW_PROG:-shockwatch}" "$*" >&2; }

sw_install_deps() {
  local missing=() p
  for p in "${SW_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    sw_say "missing Debian packages: ${missing[*]}"
    sw_say "install them with:"
    printf '  sudo apt-get install -y %s\n' "${missing[*]}" >&2
    return 1
  fi
  sw_say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || { sw_say "apt-get update failed"; return 1; }
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
    { sw_say "apt-get install failed"; return 1; }
}

# sw_build BUILD_DIR [cmake -D options...]
sw_build() {
  local dir=$1; shift
  cmake -S "$SW_REPO" -B "$dir" "$@" >/dev/null || { sw_say "cmake configure failed"; return 1; }
  cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null 2>"$dir/build.log" || {
    cat "$dir/build.log" >&2
    sw_say "build failed"
    return 1
  }
}

# ---- a private redis-server (tests and the demo) --------------------------------
#
# sw_redis_start starts redis-server on a free loopback port in a temporary
# directory, without persistence (--save '' --appendonly no), waits until it
# answers PING (polling, with a deadline), and registers sw_redis_stop to run
# when the script exits, however it exits.  It sets SW_REDIS_PORT,
# SW_REDIS_URL (redis://127.0.0.1:PORT), SW_REDIS_DIR and SW_REDIS_PID.

SW_EXIT_HOOKS=()
sw_run_exit_hooks() {
  local i
  for ((i = ${#SW_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do eval "${SW_EXIT_HOOKS[i]}" || true; done
  SW_EXIT_HOOKS=()
}
# sw_at_exit COMMAND...: run COMMAND when the script exits, last registered
# first (also on Ctrl-C or SIGTERM, which become an exit so the EXIT trap runs).
sw_at_exit() {
  SW_EXIT_HOOKS+=("$*")
  trap sw_run_exit_hooks EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# sw_redis_ready PORT PID: 0 once the server on PORT answers PING and is our
# process PID (not some other server that happens to use the port).
sw_redis_ready() {
  kill -0 "$2" 2>/dev/null || return 1
  [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ] || return 1
  redis-cli -h 127.0.0.1 -p "$1" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$2"
}

sw_redis_start() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
    { sw_say "redis-server and redis-cli are needed (Debian package redis-server)"; return 1; }
  SW_REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/shockwatch-redis.XXXXXX")
  sw_at_exit sw_redis_stop
  local try port i
  for try in 1 2 3 4 5 6 7 8; do
    # A random high port; if it is taken redis-server exits and we try another.
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$SW_REDIS_DIR" --logfile "$SW_REDIS_DIR/redis.log" --daemonize no >/dev/null 2>&1 &
    SW_REDIS_PID=$!
    for ((i = 0; i < 200; i++)); do   # up to 10 s
      if sw_redis_ready "$port" "$SW_REDIS_PID"; then
        SW_REDIS_PORT=$port
        SW_REDIS_URL=redis://127.0.0.1:$port
        return 0
      fi
      kill -0 "$SW_REDIS_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill "$SW_REDIS_PID" 2>/dev/null || true
    wait "$SW_REDIS_PID" 2>/dev/null || true
    SW_REDIS_PID=
  done
  sw_say "could not start redis-server (log: $SW_REDIS_DIR/redis.log)"
  return 1
}

sw_redis_stop() {
  if [ -n "${SW_REDIS_PID:-}" ]; then
    kill "$SW_REDIS_PID" 2>/dev/null || true
    wait "$SW_REDIS_PID" 2>/dev/null || true
    SW_REDIS_PID=
  fi
  if [ -n "${SW_REDIS_DIR:-}" ]; then
    rm -rf "$SW_REDIS_DIR"
    SW_REDIS_DIR=
  fi
}
