# shellcheck shell=bash disable=SC2034,SC2154  # variables are shared by the pieces scripts/natlab sources
# natlab pair: two sides, each behind its own NAT, for `p2ptui punch`. Sourced by scripts/natlab.

# TOPO is "A:B" (client behind NAT A, connector behind NAT B; each any of eim fullcone restricted
# symmetric double udp-blocked smalldgram v6sym) or "lan" / "lan-hairpin" (both hosts on one LAN behind one eim NAT,
# the second with hairpin). Extra namespaces: <prefix>-connector, -routerb, -routerb2.
#   inet  isp0 198.51.100.1/25 -> NAT A (wan 198.51.100.2);  isp1 198.51.100.129/25 -> NAT B (wan 198.51.100.130)
#   A LAN 192.168.1.0/24 (client .2); B LAN 192.168.2.0/24 (connector .2); double: CGNAT 100.64.0.0/24, 100.64.1.0/24
#   lan*  one bridge 192.168.1.0/24 behind NAT A: client .2 (ports 20000-29999), connector .3 (30000-39999)
#   smalldgram  eim, and the router drops UDP packets over 1200 bytes (IP length) both ways: small
#               packets cross, a 1200-byte UDP payload (1228 bytes of packet) does not
#   v6sym       symmetric IPv4 NAT, plus routed IPv6 behind a stateful firewall (replies only):
#               inet 2001:db8:0:N::1/64 - router wan ::2, LAN 2001:db8:N::/64 (host ::2), N = 1 for A,
#               2 for B; a STUN server (`p2ptui serve`) on 2001:db8:ff::10 for the IPv6 check
PAIR_KINDS=(eim fullcone restricted symmetric double udp-blocked smalldgram v6sym)
PAIR_ROLES=(connector routerb routerb2)

pair_teardown() {
  [ -n "${PREFIX:-}" ] || return 0
  local role n pid pids=()
  for role in "${PAIR_ROLES[@]}"; do
    n=$(ns "$role")
    [ -e "/run/netns/$n" ] || continue
    for pid in $(ip netns pids "$n" 2>/dev/null); do pids+=("$pid"); done
  done
  [ ${#pids[@]} -eq 0 ] || { mapfile -t pids < <(printf '%s\n' "${pids[@]}" | sort -u); stop_pids "${pids[@]}"; }
  for role in "${PAIR_ROLES[@]}"; do
    n=$(ns "$role")
    [ -e "/run/netns/$n" ] && ip netns del "$n" 2>/dev/null || true
  done
  teardown
}
pair_finish() { pair_teardown; [ -z "${PREFIX:-}" ] || rm -f "$STATE_ROOT/$PREFIX.lock"; }

pair_valid() {
  local topo=$1 k s ok
  case $topo in lan|lan-hairpin) return 0 ;; *:*) ;; *) return 1 ;; esac
  for k in "${topo%%:*}" "${topo#*:}"; do
    ok=0; for s in "${PAIR_KINDS[@]}"; do [ "$s" = "$k" ] && ok=1; done
    [ "$ok" = 1 ] || return 1
  done
}

# One side: HOST behind NAT KIND in ROUTER (and OUTER for double); the edge router's WAN address
# WAN faces inet's interface ISP (INETADDR); LAN LANPFX.0/24; CGN: the double-NAT link prefix.
pair_side() { # host router outer kind wan inetaddr isp lanpfx cgnpfx
  local host=$1 router=$2 outer=$3 kind=$4 wan=$5 inetaddr=$6 isp=$7 lanpfx=$8 cgn=$9
  add_ns "$host"; add_ns "$router"
  local edge=$router
  if [ "$kind" = double ]; then
    add_ns "$outer"; edge=$outer
    link "$router" wan "$outer" lan
    addr "$router" wan "$cgn.2/24"; addr "$outer" lan "$cgn.1/24"
    route "$router" default via "$cgn.1"
    forwarding "$outer"
  fi
  link "$edge" wan inet "$isp"
  addr "$edge" wan "$wan/25"; addr inet "$isp" "$inetaddr/25"
  route "$edge" default via "$inetaddr"
  link "$router" lan "$host" eth0
  addr "$router" lan "$lanpfx.1/24"; addr "$host" eth0 "$lanpfx.2/24"
  route "$host" default via "$lanpfx.1"
  forwarding "$router"
  case $kind in
    double) nat_rules "$router" eim "$cgn.2" "$lanpfx.2"; nat_rules "$outer" eim "$wan" "$cgn.2"
            pair_input_firewall "$outer" ;;
    smalldgram) nat_rules "$router" eim "$wan" "$lanpfx.2"; pair_drop_large_udp "$router" 1200 ;;
    v6sym) nat_rules "$router" symmetric "$wan" "$lanpfx.2"; pair_ipv6 "$host" "$router" "$isp" "${lanpfx##*.}" ;;
    *) nat_rules "$router" "$kind" "$wan" "$lanpfx.2" ;;
  esac
  pair_input_firewall "$router"
}

# Routed IPv6 for one side (N: 1 or 2) behind a stateful firewall: the router forwards what the
# host sends and only replies back in (ct state established,related), like a home router's default.
pair_ipv6() { # host router isp n
  local host=$1 router=$2 isp=$3 n=$4 i
  for i in inet "$router"; do in_ns "$i" sysctl -qw net.ipv6.conf.all.forwarding=1; done
  ip -n "$(ns inet)" addr add "2001:db8:0:$n::1/64" dev "$isp" nodad
  ip -n "$(ns "$router")" addr add "2001:db8:0:$n::2/64" dev wan nodad
  ip -n "$(ns "$router")" addr add "2001:db8:$n::1/64" dev lan nodad
  ip -n "$(ns "$host")" addr add "2001:db8:$n::2/64" dev eth0 nodad
  ip -n "$(ns "$host")" -6 route add default via "2001:db8:$n::1"
  ip -n "$(ns "$router")" -6 route add default via "2001:db8:0:$n::1"
  ip -n "$(ns inet)" -6 route add "2001:db8:$n::/64" via "2001:db8:0:$n::2"
  in_ns "$router" nft -f - <<EOF
table ip6 natlab_v6_firewall {
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "wan" ct state established,related accept
    iifname "wan" counter drop
  }
}
EOF
  PAIR_IPV6=1
}

# A STUN server on the simulated internet's IPv6 side, for check's IPv6 step. First waits (at most
# 5 s) until no address in the lab is still tentative: until duplicate address detection ends on a
# link, its link-local address cannot resolve neighbours and IPv6 packets wait or are lost.
start_p2ptui_serve6() {
  local i role busy
  for i in $(seq 50); do
    busy=0
    for role in inet router routerb client connector; do
      [ -e "/run/netns/$(ns "$role")" ] || continue
      [ -z "$(ip -n "$(ns "$role")" -6 addr show tentative)" ] || busy=1
    done
    [ "$busy" = 1 ] || break
    sleep 0.1
  done
  [ -x "$P2PTUI_BIN" ] || return 0
  ip -n "$(ns inet)" addr add 2001:db8:ff::10/128 dev lo nodad
  start_daemon inet "$STATE/p2ptui-serve6.log" "$P2PTUI_BIN" serve --primary 2001:db8:ff::10 --port 3478
}

# A link that silently drops UDP packets longer than LIMIT bytes (IP header included), as a small
# MTU tunnel whose ICMP errors are lost does.
pair_drop_large_udp() { # role limit
  in_ns "$1" nft -f - <<EOF
table ip natlab_small_datagrams {
  chain forward {
    type filter hook forward priority -10; policy accept;
    meta l4proto udp ip length > $2 counter drop
  }
}
EOF
}

# A home router drops unsolicited packets to itself from the WAN. Without this, a peer's check that
# arrives before this side's first outbound packet would be delivered locally (ICMP port
# unreachable) and leave a confirmed conntrack entry on exactly the tuple this side's mapping
# needs; masquerade would then pick another port (a Linux-only artefact, not a NAT behaviour).
pair_input_firewall() { # role
  in_ns "$1" nft -f - <<'EOF'
table ip natlab_pair_input {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state new counter drop
  }
}
EOF
}

pair_build() {
  local topo=$1
  mkdir -p "$STATE"
  echo "pair $topo" >"$STATE/scenario"
  : >"$STATE/pids"
  add_ns inet
  forwarding inet   # the simulated internet routes between the two sides' WAN links
  local a
  for a in "${STUN_P2P[@]}" "${STUN_COTURN[@]}"; do addr inet lo "$a/32"; done
  case $topo in
    lan|lan-hairpin)
      add_ns client; add_ns connector; add_ns router
      link router wan inet isp0
      addr router wan "$ROUTER_WAN/25"; addr inet isp0 "$INET_WAN/25"
      route router default via "$INET_WAN"
      ip -n "$(ns router)" link add lan type bridge
      ip -n "$(ns router)" link set lan up
      link router lanc client eth0; link router lank connector eth0
      ip -n "$(ns router)" link set lanc master lan; ip -n "$(ns router)" link set lank master lan
      # With br_netfilter loaded on the host, bridged frames would also run the IP hooks and a
      # hairpin DNAT back onto the bridge is lost; a router's LAN switch does not NAT.
      in_ns router sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true
      addr router lan "$LAN_GW/24"; addr client eth0 "$LAN_CLIENT/24"; addr connector eth0 192.168.1.3/24
      route client default via "$LAN_GW"; route connector default via "$LAN_GW"
      forwarding router
      # Disjoint ephemeral ports, so a port-preserving NAT tells the two hosts apart by port.
      in_ns client sysctl -qw net.ipv4.ip_local_port_range="20000 29999"
      in_ns connector sysctl -qw net.ipv4.ip_local_port_range="30000 39999"
      nat_rules router eim "$ROUTER_WAN" "$LAN_CLIENT"
      pair_input_firewall router
      if [ "$topo" = lan-hairpin ]; then
        # RFC 4787 REQ-9 for two hosts: a packet to the NAT's own address loops back to whichever
        # host owns that port, with the NAT's address as source.
        in_ns router nft -f - <<EOF
table ip natlab_hairpin {
  chain pre {
    type nat hook prerouting priority dstnat - 1; policy accept;
    iifname "lan" ip daddr $ROUTER_WAN udp dport 20000-29999 dnat to $LAN_CLIENT
    iifname "lan" ip daddr $ROUTER_WAN udp dport 30000-39999 dnat to 192.168.1.3
  }
  chain post {
    type nat hook postrouting priority srcnat - 1; policy accept;
    oifname "lan" ct status dnat snat to $ROUTER_WAN
  }
}
EOF
      fi ;;
    *)
      pair_side client router router2 "${topo%%:*}" "$ROUTER_WAN" "$INET_WAN" isp0 192.168.1 100.64.0
      pair_side connector routerb routerb2 "${topo#*:}" 198.51.100.130 198.51.100.129 isp1 192.168.2 100.64.1 ;;
  esac
  start_coturn
  start_p2ptui_serve
  [ -z "${PAIR_IPV6:-}" ] || start_p2ptui_serve6
}

cmd_pair() {
  local verb=${1:-}; shift || true
  case $verb in
    up|run) ;;
    down) need_tools; set_prefix; lock_prefix; pair_finish; say "lab $PREFIX down"; return 0 ;;
    *) die "pair: up TOPO | run TOPO CMD... | down  (TOPO: A:B of ${PAIR_KINDS[*]}, or lan, lan-hairpin)" ;;
  esac
  local topo=${1:-}; shift || true
  pair_valid "$topo" || die "pair: unknown topology '$topo' (A:B of ${PAIR_KINDS[*]}, or lan, lan-hairpin)"
  need_tools
  set_prefix new
  lock_prefix
  pair_teardown
  if [ "$verb" = up ]; then
    trap 'pair_finish; exit 130' INT TERM
    trap 'rc=$?; [ $rc -eq 0 ] || pair_finish' EXIT
    pair_build "$topo"
    trap - INT TERM EXIT
    say "pair '$topo' up; NATLAB_PREFIX=$PREFIX (namespaces $(ns client), $(ns connector))"
    [ -n "${NATLAB_PREFIX:-}" ] || echo "export NATLAB_PREFIX=$PREFIX"
    return 0
  fi
  [ $# -gt 0 ] || die "pair run: no command"
  trap 'pair_finish; exit 130' INT
  trap 'pair_finish; exit 143' TERM
  trap 'pair_finish' EXIT
  pair_build "$topo"
  local rc=0
  # CMD runs in the host namespace (not holding the lock) and enters the two sides itself.
  NATLAB_PREFIX=$PREFIX PAIR_CLIENT_NS=$(ns client) PAIR_CONNECTOR_NS=$(ns connector) PAIR_TOPO=$topo "$@" 9>&- || rc=$?
  pair_finish
  trap - INT TERM EXIT
  exit "$rc"
}
