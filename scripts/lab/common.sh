# shellcheck shell=bash disable=SC2034,SC2154  # variables are shared by the pieces scripts/natlab sources
# natlab: scenario names, the address plan, logging, the prefix and its lock, daemons started in a
# namespace and the teardown that stops them. Sourced by scripts/natlab.

SCENARIOS=(open firewall eim fullcone restricted symmetric double udp-blocked hairpin upnp upnp-vendor)
# Internet-like and egress-server scenarios: see lab/scenarios.sh; path limits: lab/rules.sh.
SCENARIOS+=(udp-53-443 public-eim public-symmetric public-fullcone)
SCENARIOS+=(egress egress-quic egress-53-443)
SCENARIOS+=(mtu-1280 drop-over-1200 udp-timeout-20 udp-timeout-60)

# --- Address plan (fixed: tests and docs rely on it) ---------------------------------------------
INET_WAN=198.51.100.1          # inet side of the link to the (outer) router
ROUTER_WAN=198.51.100.2        # the (outer) router's public address
STUN_P2P=(203.0.113.10 203.0.113.11)     # `p2ptui serve`, ports 3478/3479
STUN_COTURN=(203.0.113.20 203.0.113.21)  # coturn, ports 3478/3479
LAN_NET=192.168.1.0/24; LAN_GW=192.168.1.1; LAN_CLIENT=192.168.1.2
PUB_NET=192.0.2.0/24; PUB_GW=192.0.2.1; PUB_CLIENT=192.0.2.2      # open / firewall: no NAT
CGN_OUTER=100.64.0.1; CGN_INNER=100.64.0.2                         # double: router2 LAN / router WAN
# Internet-like scenarios: plain binding servers (one address, one port, no OTHER-ADDRESS) on hosts
# that drop packets to closed ports (no ICMP port-unreachable), like large public STUN providers.
STUN_PLAIN=(203.0.113.30 203.0.113.31 203.0.113.32)  # public-*: ports 3478, 19302, 3478
STUN_PLAIN_PORTS=(3478 19302 3478)
# public-* with NATLAB_CANDIDATES=1: behaviour-test candidates beside the plain servers, like the
# built-in list's: one whose alternate address is dead (dropped on input), then an honest one.
STUN_CANDIDATE_DEAD=(203.0.113.12 203.0.113.13)
STUN_443=203.0.113.20                                # udp-53-443: plain server on UDP 443 (beside coturn)
EGRESS_SERVER=203.0.113.30                           # egress*: p2ptui serve --egress-ports
QUIC_AIOQUIC=203.0.113.40                            # egress, egress-quic: aioquic on UDP 443

say()  { [ "${NATLAB_QUIET:-0}" = 1 ] || echo "natlab: $*" >&2; }
warn() { echo "natlab: WARNING: $*" >&2; }
die()  { echo "natlab: $*" >&2; exit 2; }

need_tools() {
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, nftables)"
  local t
  for t in ip nft ss; do command -v "$t" >/dev/null || die "missing tool: $t"; done
}

# --- Prefix and state ----------------------------------------------------------------------------
set_prefix() { # $1: "new" to allocate a fresh prefix when NATLAB_PREFIX is unset
  if [ -n "${NATLAB_PREFIX:-}" ]; then
    PREFIX=$NATLAB_PREFIX
  elif [ "${1:-}" = new ]; then
    PREFIX=p2pl$$
  else
    # Never guess: the state root is shared by every natlab on the machine, so "the only lab that
    # is up" may well be somebody else's.
    local dirs=()
    [ -d "$STATE_ROOT" ] && mapfile -t dirs < <(find "$STATE_ROOT" -mindepth 1 -maxdepth 1 -type d -printf '%f\n')
    die "set NATLAB_PREFIX (labs up: ${dirs[*]:-none}); \`eval \"\$(scripts/natlab up SCENARIO)\"\` sets it"
  fi
  [[ "$PREFIX" =~ ^[A-Za-z0-9_]{1,24}$ ]] || die "bad NATLAB_PREFIX '$PREFIX'"
  STATE=$STATE_ROOT/$PREFIX
}
ns() { echo "$PREFIX-$1"; }   # role -> namespace name

# One natlab at a time per prefix: a second `up`/`run`/`down` on a busy prefix fails at once
# instead of tearing down a lab another process is using. Held until this script exits.
lock_prefix() {
  mkdir -p "$STATE_ROOT"
  exec 9>"$STATE_ROOT/$PREFIX.lock"
  flock -n 9 || die "lab $PREFIX is busy (another natlab holds $STATE_ROOT/$PREFIX.lock)"
}
in_ns() { local n; n=$(ns "$1"); shift; ip netns exec "$n" "$@"; }

# --- Daemons: started in a namespace, recorded as "pid ns comm", stopped by PID --------------------
# Sets DAEMON_PID. Not run in a subshell: in `run` the daemons stay children of this shell, which
# reaps them; the pid line is written before anything else can happen.
start_daemon() { # role logfile cmd...
  local role=$1 log=$2; shift 2
  # fd 9 is the prefix lock: daemons must not hold it after `up` exits.
  ip netns exec "$(ns "$role")" "$@" </dev/null >>"$log" 2>&1 9>&- &
  DAEMON_PID=$!
  echo "$DAEMON_PID $(ns "$role") $(basename "$1")" >>"$STATE/pids"
}

# Is PID still the process we started (same namespace, same program)? Guards against PID reuse.
is_ours() { # pid ns comm
  local pid=$1 n=$2 comm=$3
  alive "$pid" || return 1
  [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "net:[$(stat -L -c %i "/run/netns/$n" 2>/dev/null)]" ] || return 1
  [ "$(head -c 15 "/proc/$pid/comm" 2>/dev/null)" = "$(printf %s "$comm" | head -c 15)" ]
}

# Alive and not a zombie. Daemons outlive the shell that started them and are reparented to PID 1,
# which in some containers never reaps: `kill -0` alone would call a zombie alive.
alive() {
  local st
  st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

stop_pids() { # pids...: TERM all at once, wait up to 1 s, then KILL what is left
  # (coturn and miniupnpd take 1-2 s to exit on TERM; their namespace is deleted next anyway)
  local pid i left
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for i in $(seq 20); do
    left=0
    for pid in "$@"; do alive "$pid" && left=1; done
    [ "$left" = 0 ] && return 0
    sleep 0.05
  done
  kill -KILL "$@" 2>/dev/null || true
}

# Poll (bounded) until NS listens on UDP ADDR:PORT; fails early if PID died.
wait_udp() { # role addr:port pid [timeout-seconds]
  local role=$1 ep=$2 pid=$3 tries=$(( ${4:-5} * 20 ))
  while [ "$tries" -gt 0 ]; do
    in_ns "$role" ss -Hlun "src = $ep" 2>/dev/null | grep -q . && return 0
    alive "$pid" || return 1
    sleep 0.05; tries=$((tries - 1))
  done
  return 1
}

# --- Teardown ------------------------------------------------------------------------------------
teardown() {
  [ -n "${PREFIX:-}" ] || return 0
  local pid n comm role pids=()
  if [ -f "$STATE/pids" ]; then
    while read -r pid n comm; do
      is_ours "$pid" "$n" "$comm" && pids+=("$pid")
    done <"$STATE/pids"
  fi
  # Anything else still running inside a namespace this lab created was started by this lab.
  for role in client router router2 inet; do
    n=$(ns "$role")
    [ -e "/run/netns/$n" ] || continue
    for pid in $(ip netns pids "$n" 2>/dev/null); do pids+=("$pid"); done
  done
  [ ${#pids[@]} -eq 0 ] || { mapfile -t pids < <(printf '%s\n' "${pids[@]}" | sort -u); stop_pids "${pids[@]}"; }
  for role in client router router2 inet; do
    n=$(ns "$role")
    [ -e "/run/netns/$n" ] && ip netns del "$n" 2>/dev/null || true
  done
  rm -rf "$STATE"
}

# Final teardown: also drops the prefix's lock file (we hold the lock, so nobody else is inside).
finish() { teardown; [ -z "${PREFIX:-}" ] || rm -f "$STATE_ROOT/$PREFIX.lock"; }
