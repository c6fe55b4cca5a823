# shellcheck shell=bash disable=SC2034,SC2154  # variables are shared by the pieces scripts/natlab sources
# natlab: building a scenario: which namespaces, rules and servers each one gets. Sourced by
# scripts/natlab.

# --- egress server scenarios ----------------------------------------------------
# egress:        eim + `p2ptui serve --egress-ports 1-65535` at $EGRESS_SERVER (every port answers),
#                and aioquic at $QUIC_AIOQUIC:443
# egress-quic:   egress + the router drops QUIC-shaped packets to UDP 443 (an L7 filter: the long-header
#                bit, the first payload bit, set) + a real third-party QUIC server (aioquic) at $QUIC_AIOQUIC:443
# egress-53-443: egress + the router lets only UDP 53 and 443 out
egress_scenario() { case $1 in egress|egress-quic|egress-53-443) return 0 ;; esac; return 1; }
build_egress() { # $1 scenario
  egress_rules "$1"
  start_egress_server
  # aioquic also in the unfiltered scenario: the control that it answers when nothing filters QUIC.
  [ "$1" = egress-53-443 ] || start_aioquic
  return 0
}

# --- Internet-like scenarios ----------------------------------------------------------
# udp-53-443       eim, and the router forwards outbound UDP only to ports 53 and 443; besides the
#                  usual servers a plain binding server listens on $STUN_443:443.
# public-eim       eim / symmetric / fullcone router, and the internet has no RFC 5780 server at
# public-symmetric all: three plain binding servers ${STUN_PLAIN[*]} (ports ${STUN_PLAIN_PORTS[*]}),
# public-fullcone  whose hosts drop packets to every other port silently (no ICMP).
# Every namespace keeps the kernel's default ICMP rate limits (add_ns).

build_public() {
  local i rules=""
  for i in "${!STUN_PLAIN[@]}"; do
    start_plain_server "${STUN_PLAIN[$i]}" "${STUN_PLAIN_PORTS[$i]}"
    rules+="ip daddr ${STUN_PLAIN[$i]} udp dport != ${STUN_PLAIN_PORTS[$i]} drop
    ip daddr ${STUN_PLAIN[$i]} meta l4proto tcp drop
    "
  done
  if [ "${NATLAB_CANDIDATES:-0}" = 1 ]; then
    # RFC 5780 candidates: the project's server at ${STUN_P2P[*]}, and one at
    # ${STUN_CANDIDATE_DEAD[*]} whose alternate address drops everything (no answer, no ICMP).
    start_p2ptui_serve
    start_daemon inet "$STATE/candidate-dead.log" "$P2PTUI_BIN" serve --primary "${STUN_CANDIDATE_DEAD[0]}" \
      --alternate "${STUN_CANDIDATE_DEAD[1]}" --port 3478
    wait_udp inet "${STUN_CANDIDATE_DEAD[0]}:3478" "$DAEMON_PID" 3 || die "candidate server ${STUN_CANDIDATE_DEAD[0]} did not listen"
    rules+="ip daddr ${STUN_CANDIDATE_DEAD[1]} drop
    "
    # Nor does anything leave from it (CHANGE-REQUEST answers included).
    in_ns inet nft -f - <<EOF
table ip natlab_dead {
  chain output {
    type filter hook output priority filter; policy accept;
    ip saddr ${STUN_CANDIDATE_DEAD[1]} drop
  }
}
EOF
  fi
  # Silent on closed ports: dropped on input, so the host never sends a port-unreachable.
  in_ns inet nft -f - <<EOF
table ip natlab_silent {
  chain input {
    type filter hook input priority filter; policy accept;
    $rules
  }
}
EOF
}

# Checks a scenario with clients nobody here wrote: coturn's RFC 5780 client (mapping, then
# filtering, each on a fresh socket so the first test's holes cannot bias the second) and the

# --- Build -------------------------------------------------------------------------------------------
build() {
  local scenario=$1
  mkdir -p "$STATE"
  echo "$scenario" >"$STATE/scenario"
  : >"$STATE/pids"

  add_ns client; add_ns router; add_ns inet
  [ "$scenario" = double ] && add_ns router2

  # The simulated internet: STUN addresses on its loopback (not every kernel has the dummy
  # driver), a link to the outer router.
  local a
  for a in "${STUN_P2P[@]}" "${STUN_COTURN[@]}"; do addr inet lo "$a/32"; done
  case $scenario in public-*) for a in "${STUN_PLAIN[@]}"; do addr inet lo "$a/32"; done ;; esac
  case $scenario in public-*) [ "${NATLAB_CANDIDATES:-0}" = 1 ] && for a in "${STUN_CANDIDATE_DEAD[@]}"; do addr inet lo "$a/32"; done ;; esac

  local outer=router
  if [ "$scenario" = double ]; then
    outer=router2
    link router wan router2 lan
    addr router wan "$CGN_INNER/24"; addr router2 lan "$CGN_OUTER/24"
    route router default via "$CGN_OUTER"
  fi
  link "$outer" wan inet isp0
  addr "$outer" wan "$ROUTER_WAN/24"; addr inet isp0 "$INET_WAN/24"
  route "$outer" default via "$INET_WAN"
  link router lan client eth0
  forwarding router; [ "$scenario" = double ] && forwarding router2

  case $scenario in
    open|firewall)
      addr router lan "$PUB_GW/24"; addr client eth0 "$PUB_CLIENT/24"
      route client default via "$PUB_GW"
      route inet "$PUB_NET" via "$ROUTER_WAN" ;;
    *)
      addr router lan "$LAN_GW/24"; addr client eth0 "$LAN_CLIENT/24"
      route client default via "$LAN_GW" ;;
  esac

  case $scenario in
    open) ;;
    firewall) firewall_rules ;;
    eim|upnp|upnp-vendor|public-eim) nat_rules router eim "$ROUTER_WAN" "$LAN_CLIENT" ;;
    public-symmetric) nat_rules router symmetric "$ROUTER_WAN" "$LAN_CLIENT" ;;
    public-fullcone) nat_rules router fullcone "$ROUTER_WAN" "$LAN_CLIENT" ;;
    egress|egress-quic|egress-53-443) nat_rules router eim "$ROUTER_WAN" "$LAN_CLIENT" ;;
    mtu-1280|drop-over-1200|udp-timeout-20|udp-timeout-60)
      nat_rules router eim "$ROUTER_WAN" "$LAN_CLIENT"; path_limit_rules "$scenario" ;;
    double)
      nat_rules router eim "$CGN_INNER" "$LAN_CLIENT"
      nat_rules router2 eim "$ROUTER_WAN" "$CGN_INNER" ;;
    *) nat_rules router "$scenario" "$ROUTER_WAN" "$LAN_CLIENT" ;;
  esac

  case $scenario in
    public-*) build_public ;;   # no RFC 5780 server at all: only plain binding servers
    *) start_coturn; start_p2ptui_serve ;;
  esac
  [ "$scenario" = upnp ] && start_miniupnpd
  [ "$scenario" = upnp-vendor ] && start_miniupnpd vendor
  [ "$scenario" = udp-53-443 ] && start_plain_server "$STUN_443" 443
  egress_scenario "$scenario" && build_egress "$scenario"
  return 0
}

valid_scenario() { local s; for s in "${SCENARIOS[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
