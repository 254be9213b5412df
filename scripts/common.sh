# scripts/common.sh -- set-up shared by scripts/test and scripts/demo: find the
# repository, install the Debian packages the project needs (as root) or say
# exactly which command would, and configure + build with CMake.
# Sourced, not run.

SW_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Build tools and the libraries named in the README, plus the peers the tests
# talk to.  Keep in sync with README.md "Dependencies".
SW_PACKAGES=(
  cmake make gcc pkg-config
  libwebsockets-dev libwebsockets-evlib-uv libuv1-dev libcjson-dev libhiredis-dev
  libcriterion-dev libcurl4-openssl-dev libsystemd-dev redis-server
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
