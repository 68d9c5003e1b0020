# shellcheck shell=bash
# Shared by scripts/run and scripts/test: find the repository, set the build cache, and install
# what a fresh Debian 12 / Ubuntu machine lacks. Every installer checks first, so a second run
# installs nothing and asks for nothing.

GW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export GW_ROOT

# The target dir lives outside the clone so CI and fresh clones reuse earlier builds
# (a cold Tauri build is minutes; an incremental one is seconds).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatewatch/target}"
export GW_CACHE="${GW_CACHE:-$HOME/.cache/gatewatch}"

# Cargo names a workspace crate's artifacts by its path relative to the workspace root and
# judges them fresh by the sources' mtimes, so after a build from another checkout (a CI clone
# at another path, a worktree) it reuses that checkout's binaries: seen 2026-12-01, test
# binaries that read fixtures from a CI clone deleted since. When the target dir was last
# used by another checkout, touch this checkout's sources so its workspace crates rebuild
# (dependencies stay cached), then record this checkout as the user.
gw_claim_target_dir() {
  local stamp="$CARGO_TARGET_DIR/.gatewatch-checkout"
  [[ "$(cat "$stamp" 2>/dev/null)" == "$GW_ROOT" ]] && return 0
  if [[ -s "$stamp" ]]; then
    printf '==> target dir %s was last built from %s: rebuilding this checkout'"'"'s crates\n' \
      "$CARGO_TARGET_DIR" "$(cat "$stamp")" >&2
  fi
  # Also with no record (a target dir from before this check): whose binaries it holds is
  # unknown. Touching costs one rebuild of the workspace crates.
  find "$GW_ROOT/crates" "$GW_ROOT/src-tauri" "$GW_ROOT/Cargo.toml" "$GW_ROOT/tauri.conf.json" \
    -type f -not -path '*/node_modules/*' -exec touch {} + 2>/dev/null || true
  mkdir -p "$CARGO_TARGET_DIR"
  printf '%s\n' "$GW_ROOT" >"$stamp"
}
gw_claim_target_dir

# CI=true means nobody is there to answer a prompt.
if [[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]; then
  export CI=true
  export DEBIAN_FRONTEND=noninteractive
fi

# Vite 7 needs Node ^20.19 or >=22.12; Debian 12 and Ubuntu 24.04 ship Node 18.
GW_NODE_MIN_MAJOR=20
GW_NODE_MIN_MINOR=19

# The system packages Tauri's Linux build needs.
GW_APT_BUILD=(libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev curl ca-certificates)
# What the tests add: a virtual display, screenshots, WebDriver for WebKitGTK, a private
# session bus with a mock notification daemon, and chromium for the UI's Playwright tests.
GW_APT_TEST=(xvfb xauth x11-utils imagemagick webkit2gtk-driver python3-dbusmock dbus
  chromium chromium-driver)

gw_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
gw_die() { printf '\033[31merror: %s\033[0m\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo (never prompting in CI).
gw_as_root() {
  if [[ "$(id -u)" == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    if [[ "${CI:-}" == "true" ]]; then sudo -n "$@"; else sudo "$@"; fi
  else
    gw_die "need root for: $* (run as root or install sudo)"
  fi
}

gw_apt_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

# Installs the given apt packages that are not installed yet; does nothing when all are.
gw_ensure_apt() {
  local missing=() pkg
  for pkg in "$@"; do
    gw_apt_installed "$pkg" || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || gw_die "missing packages ${missing[*]} and no apt-get here"
  gw_log "apt: installing ${missing[*]}"
  gw_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # Ubuntu has no `chromium` deb (it is a snap); take its transitional name if that is all there is.
  local available=()
  for pkg in "${missing[@]}"; do
    if apt-cache show "$pkg" >/dev/null 2>&1; then
      available+=("$pkg")
    elif [[ "$pkg" == chromium ]] && apt-cache show chromium-browser >/dev/null 2>&1; then
      available+=(chromium-browser)
    else
      printf 'warning: apt has no package %s here; skipping it\n' "$pkg" >&2
    fi
  done
  ((${#available[@]})) || return 0
  gw_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${available[@]}"
}

# Rust: rustup's stable toolchain with rustfmt and clippy (Tauri 2 needs Rust >= 1.90, newer
# than any distribution's rustc).
gw_ensure_rust() {
  if ! command -v cargo >/dev/null && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null; then
    gw_log "rust: installing rustup (stable, minimal profile)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
      sh -s -- -y --profile minimal --component rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if command -v rustup >/dev/null; then
    cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
    cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
  fi
}

gw_node_ok() {
  command -v node >/dev/null && command -v npm >/dev/null || return 1
  local version major minor
  version="$(node --version 2>/dev/null)" || return 1
  version="${version#v}"
  major="${version%%.*}"
  minor="${version#*.}"
  minor="${minor%%.*}"
  ((major > GW_NODE_MIN_MAJOR || (major == GW_NODE_MIN_MAJOR && minor >= GW_NODE_MIN_MINOR)))
}

# Node + npm. The distribution's npm first; when its Node is too old for Vite, a current Node
# from the npm registry itself (the `node` package) under the cache dir, put first on PATH.
gw_ensure_node() {
  local local_node="$GW_CACHE/node/node_modules/.bin"
  [[ -x "$local_node/node" ]] && export PATH="$local_node:$PATH"
  gw_node_ok && return 0
  if ! command -v npm >/dev/null; then
    gw_ensure_apt nodejs npm
  fi
  gw_node_ok && return 0
  gw_log "node: $(node --version 2>/dev/null || echo none) is too old for Vite; installing node@22 from npm"
  mkdir -p "$GW_CACHE/node"
  npm install --prefix "$GW_CACHE/node" --no-audit --no-fund --loglevel=error node@22
  export PATH="$local_node:$PATH"
  gw_node_ok || gw_die "could not get Node >= $GW_NODE_MIN_MAJOR.$GW_NODE_MIN_MINOR"
}

# `npm ci` in a folder, skipped when node_modules was installed from this exact lockfile.
gw_npm_ci() {
  local dir="$1" stamp want
  [[ -f "$dir/package-lock.json" ]] || gw_die "$dir/package-lock.json is missing"
  stamp="$dir/node_modules/.gatewatch-lock.sha256"
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1) $(node --version)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  gw_log "npm ci in ${dir#"$GW_ROOT"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  printf '%s' "$want" >"$stamp"
}

# `cargo install --locked NAME` when BINARY is not on PATH.
gw_ensure_cargo_tool() {
  local crate="$1" binary="${2:-$1}"
  command -v "$binary" >/dev/null && return 0
  gw_log "cargo install $crate"
  # Its own target dir: installing must not invalidate the workspace's cached build.
  CARGO_TARGET_DIR="$GW_CACHE/install-target" cargo install --locked "$crate"
}
