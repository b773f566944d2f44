# shellcheck shell=bash
# The one path by which Breakwater installs Debian packages. Every apt dependency (redis-server,
# nginx, shellcheck; promtool and chromium as opt-in extras) goes through ensure_command, so the
# package detection and its error messages are written, and tested (test/setup-packages.test.ts), once.
#
# Sourced by scripts/setup.sh; expects a `log` function. Never pipes a command into `grep -q`:
# under `set -o pipefail` the writer dies of SIGPIPE when grep exits at its first match, and the
# pipeline then fails although the match was found (exit 141). Output is captured, then matched.

# The candidate version apt would install for package $1, or nothing (unknown or no candidate).
apt_candidate_version() {
  local policy line
  policy="$(LC_ALL=C apt-cache policy "$1" 2>/dev/null)" || return 0
  while IFS= read -r line; do
    if [[ "$line" =~ ^[[:space:]]*Candidate:[[:space:]]*([0-9][^[:space:]]*) ]]; then
      printf '%s\n' "${BASH_REMATCH[1]}"
      return 0
    fi
  done <<<"$policy"
  return 0
}

# Prints the first of the given packages that apt can install; fails (1) when none can.
pick_apt_package() {
  local candidate
  for candidate in "$@"; do
    if [ -n "$(apt_candidate_version "$candidate")" ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

# Runs apt-get as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    return 126
  fi
}

# Another apt run (unattended-upgrades, a second setup in parallel) holds the dpkg lock for a
# while: apt waits for it up to this long instead of failing at once.
APT_LOCK_WAIT_S="${APT_LOCK_WAIT_S:-300}"

APT_UPDATED=0
apt_update_once() {
  [ "$APT_UPDATED" = 1 ] && return 0
  local output
  if ! output="$(as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_LOCK_WAIT_S" update -qq 2>&1)"; then
    log "apt-get update failed: the package mirror could not be reached, or apt is locked by another run"
    log "what apt said: $(printf '%s' "$output" | tail -n 3 | tr '\n' ' ')"
    log "fix: check the network and /etc/apt/sources.list, then run this again"
    return 1
  fi
  APT_UPDATED=1
}

# A package whose postinst would start a system service (nginx on port 80, redis-server on 6379)
# is installed with a policy-rc.d that answers 101: Breakwater runs these programs itself, and
# the ports are not ours to take.
apt_install_without_starting_services() {
  local policy="${APT_POLICY_RC_D:-/usr/sbin/policy-rc.d}" made_policy=0 rc=0 output
  if [ ! -e "$policy" ]; then
    # shellcheck disable=SC2016 # $1 is expanded by the inner sh, which runs as root
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >"$1" && chmod +x "$1"' sh "$policy" && made_policy=1
  fi
  output="$(as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$APT_LOCK_WAIT_S" install -y -qq --no-install-recommends "$@" 2>&1)" || rc=$?
  if [ "$made_policy" = 1 ]; then as_root rm -f "$policy"; fi
  if [ "$rc" != 0 ]; then
    log "apt-get install $* failed (exit $rc): $(printf '%s' "$output" | tail -n 3 | tr '\n' ' ')"
    return 1
  fi
}

# ensure_command COMMAND PURPOSE PACKAGE [PACKAGE...]
# Does nothing when COMMAND is on the PATH (or in /usr/sbin); otherwise installs the first of the
# PACKAGEs that apt can install. Every failure says which part, why, and what to do.
ensure_command() {
  local command_name="$1" purpose="$2"
  shift 2
  if command -v "$command_name" >/dev/null 2>&1 || [ -x "/usr/sbin/$command_name" ]; then return 0; fi
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v apt-cache >/dev/null 2>&1; then
    log "$command_name is missing ($purpose) and this machine has no apt-get: install one of [$*] (or the equivalent for your system) yourself, then run this again"
    return 1
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    log "$command_name is missing ($purpose): installing it needs root, and sudo is not installed; run this as root, or install one of [$*] yourself"
    return 1
  fi
  # Without a terminal (CI, no stdin) sudo cannot ask for a password: say so, not "no network".
  if [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
    log "$command_name is missing ($purpose): installing it needs root, and sudo wants a password it cannot ask for here; run sudo -v first (or run this as root), or install one of [$*] yourself"
    return 1
  fi
  apt_update_once || return 1
  local package
  if ! package="$(pick_apt_package "$@")"; then
    log "$command_name is missing ($purpose) and apt has no candidate for any of [$*]: enable the Debian main repository in /etc/apt/sources.list, run apt-get update, then run this again"
    return 1
  fi
  log "installing $package ($purpose)"
  apt_install_without_starting_services "$package" || return 1
  if ! command -v "$command_name" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$command_name" ]; then
    log "$package was installed but $command_name is still not found on the PATH or in /usr/sbin"
    return 1
  fi
}

# The opt-in extras of SETUP_EXTRAS (comma-separated): big packages only some tests need, kept out
# of the default setup, which must fit a fresh machine's 60 s stop hook. CI asks for them all.
#   prometheus  promtool (alert rule checks and unit tests) and prometheus (the alert-firing test)
#   chromium    the headless browser the dashboard test drives through playwright-core
#   nftables    nft, for the chaos suite's real partition of one instance from Redis
#               (npm run chaos -- --experiment instance-partitioned-from-redis)
SETUP_EXTRAS_KNOWN="prometheus chromium nftables"

# ensure_setup_extras "prometheus,chromium": installs each named extra through ensure_command.
# An unknown name fails before anything is installed, so a typo is not a silent skip.
ensure_setup_extras() {
  local list="${1:-}" extra known
  local -a extras=()
  IFS=', ' read -r -a extras <<<"$list"
  for extra in "${extras[@]}"; do
    [ -n "$extra" ] || continue
    known=0
    for candidate in $SETUP_EXTRAS_KNOWN; do [ "$extra" = "$candidate" ] && known=1; done
    if [ "$known" = 0 ]; then
      log "unknown setup extra '$extra' in SETUP_EXTRAS: the known ones are [$SETUP_EXTRAS_KNOWN]"
      return 1
    fi
  done
  for extra in "${extras[@]}"; do
    case "$extra" in
      prometheus) ensure_command promtool "alert rule checks and their unit tests (SETUP_EXTRAS=prometheus)" prometheus || return 1 ;;
      chromium) ensure_command chromium "the dashboard's headless browser test (SETUP_EXTRAS=chromium)" chromium || return 1 ;;
      nftables) ensure_command nft "the chaos suite's partition of one instance from Redis (SETUP_EXTRAS=nftables)" nftables || return 1 ;;
    esac
  done
}
