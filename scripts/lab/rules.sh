# shellcheck shell=bash disable=SC2034,SC2154  # variables are shared by the pieces scripts/natlab sources
# natlab: namespaces, links and addresses, and the nftables rules that make a router a NAT, a
# firewall, a port filter or a path limit. Sourced by scripts/natlab.

# --- Building blocks -----------------------------------------------------------------------------
add_ns() { # role
  local n; n=$(ns "$1")
  ip netns add "$n"
  ip -n "$n" link set lo up
  # Fresh namespaces forward nothing; routers turn it on below, inside their namespace only.
  ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=0
  # The kernel's default ICMP rate limits, as on real routers and servers: per peer a token every
  # icmp_ratelimit ms and a burst of 6 (XRLIM_BURST_FACTOR), for the types in icmp_ratemask
  # (6168: destination-unreachable, source-quench, time-exceeded, parameter-problem); globally
  # icmp_msgs_per_sec with a burst of icmp_msgs_burst. Written out so the lab never depends on
  # what the host was tuned to; probes must cope with them, so never switch them off.
  ip netns exec "$n" sysctl -qw net.ipv4.icmp_ratelimit=1000 net.ipv4.icmp_ratemask=6168 \
    net.ipv4.icmp_msgs_per_sec=1000 net.ipv4.icmp_msgs_burst=50
}
link() { # roleA ifA roleB ifB: a veth pair created directly inside the two namespaces
  ip -n "$(ns "$1")" link add "$2" type veth peer name "$4" netns "$(ns "$3")"
  ip -n "$(ns "$1")" link set "$2" up
  ip -n "$(ns "$3")" link set "$4" up
}
addr() { ip -n "$(ns "$1")" addr add "$3" dev "$2"; }
route() { local r=$1; shift; ip -n "$(ns "$r")" route add "$@"; }
forwarding() { in_ns "$1" sysctl -qw net.ipv4.ip_forward=1; }

# nftables for a NAT router. $1 role, $2 behaviour, $3 WAN address, $4 LAN client address.
# Filtering comes from conntrack: inbound is accepted only as a reply (port-restricted), or when
# the prerouting chain DNATed it (full cone / restricted cone / hairpin emulation).
nat_rules() {
  local role=$1 kind=$2 wan=$3 client=$4 natstmt="masquerade" extra_sets="" record="" pre=""
  case $kind in
    symmetric) natstmt="snat to $wan fully-random" ;;
    fullcone)  # Endpoint-independent filtering: anyone may reach a live mapping (RFC 4787 §5).
      extra_sets="set mapped { type inet_service; flags dynamic,timeout; timeout 3m; }"
      record="oifname \"wan\" meta l4proto udp update @mapped { udp sport }"
      pre="iifname \"wan\" udp dport @mapped dnat to $client" ;;
    restricted) # Address-dependent filtering: only hosts the client sent to, from any port.
      extra_sets="set contacted { type ipv4_addr . inet_service; flags dynamic,timeout; timeout 3m; }"
      record="oifname \"wan\" meta l4proto udp update @contacted { ip daddr . udp sport }"
      pre="iifname \"wan\" ip saddr . udp dport @contacted dnat to $client" ;;
    hairpin) # RFC 4787 REQ-9: LAN -> own WAN address loops back, with the WAN address as source.
      pre="iifname \"lan\" ip daddr $wan udp dport 1024-65535 dnat to $client" ;;
  esac
  local udpdrop=""
  [ "$kind" = udp-blocked ] && udpdrop="meta l4proto udp counter drop"
  [ "$kind" = udp-53-443 ] && udpdrop="iifname \"lan\" udp dport != { 53, 443 } counter drop"
  local hairsnat=""
  [ "$kind" = hairpin ] && hairsnat="oifname \"lan\" ct status dnat snat to $wan"
  in_ns "$role" nft -f - <<EOF
table ip natlab {
  $extra_sets
  chain forward {
    type filter hook forward priority filter; policy accept;
    $udpdrop
    ct state established,related accept
    iifname "lan" accept
    ct status dnat accept
    iifname "wan" counter drop
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    $hairsnat
    oifname "wan" $natstmt
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    $pre
  }
  # After source NAT (priority srcnat = 100): sees the mapped port.
  chain record {
    type filter hook postrouting priority 300; policy accept;
    $record
  }
}
EOF
}

firewall_rules() { # no NAT; stateful filter of inbound
  in_ns router nft -f - <<'EOF'
table ip natlab {
  chain forward {
    type filter hook forward priority filter; policy accept;
    ct state established,related accept
    iifname "lan" accept
    iifname "wan" counter drop
  }
}
EOF
}

egress_rules() { # $1 scenario: extra filters on the router, in a table of their own
  case $1 in
    egress-quic) in_ns router nft -f - <<'EOF2'
table inet natlab_quic {
  chain forward {
    type filter hook forward priority -5; policy accept;
    # QUIC long header: Header Form bit (RFC 9000 section 17.2), the first bit after the UDP header.
    udp dport 443 @th,64,1 1 counter drop
  }
}
EOF2
      ;;
    egress-53-443) in_ns router nft -f - <<'EOF2'
table inet natlab_ports {
  chain forward {
    type filter hook forward priority -5; policy accept;
    iifname "lan" meta l4proto udp udp dport != { 53, 443 } counter drop
  }
}
EOF2
      ;;
  esac
}

# --- path-limit scenarios ---------------------------------------------------------------------------
# mtu-1280        eim, and the link between router and inet has an MTU of 1280 on both ends: the
#                 router answers DF datagrams larger than that with ICMP "fragmentation needed"
#                 (MTU 1280); the largest UDP payload is 1252 bytes each way.
# drop-over-1200  eim, and the router silently drops forwarded UDP datagrams whose IP packet is
#                 longer than 1200 bytes, each way (the largest UDP payload is 1172 bytes, no ICMP).
# udp-timeout-20  eim, and the router's conntrack forgets an idle UDP flow after 20 s (60 s),
# udp-timeout-60  replied or not (nf_conntrack_udp_timeout and _stream, per namespace).
path_limit_rules() { # $1 scenario
  case $1 in
    mtu-1280)
      ip -n "$(ns router)" link set wan mtu 1280
      ip -n "$(ns inet)" link set isp0 mtu 1280 ;;
    drop-over-1200) in_ns router nft -f - <<'EOF2'
table inet natlab_size {
  chain forward {
    type filter hook forward priority -5; policy accept;
    meta l4proto udp ip length > 1200 counter drop
  }
}
EOF2
      ;;
    udp-timeout-*)
      local t=${1#udp-timeout-}
      in_ns router sysctl -qw net.netfilter.nf_conntrack_udp_timeout="$t" \
        net.netfilter.nf_conntrack_udp_timeout_stream="$t" ;;
  esac
}
