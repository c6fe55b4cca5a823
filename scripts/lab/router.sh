# shellcheck shell=bash disable=SC2034,SC2154  # variables are shared by the pieces scripts/natlab sources
# natlab verbs loss and nat: change the running lab's router. Sourced by scripts/natlab.

# --- loss: packet loss on the router, since this kernel has no sch_netem -------------------------
# `tc qdisc ... netem loss` fails here ("qdisc kind is unknown"), so nftables drops instead:
# `numgen random mod 100 < PCT` in a forward hook of the (inner) router, which every packet between
# client and internet crosses, so each direction loses PCT% independently. UDP only.
cmd_loss() {
  local pct=${1:-}
  [[ "$pct" =~ ^[0-9]+$ ]] && [ "$pct" -le 100 ] || die "loss: PCT must be 0..100"
  need_tools
  set_prefix
  [ -n "$PREFIX" ] && [ -e "/run/netns/$(ns router)" ] || die "loss: no lab is up"
  in_ns router nft delete table inet natlab_loss 2>/dev/null || true
  [ "$pct" -eq 0 ] && return 0
  in_ns router nft -f - <<EOF
table inet natlab_loss {
  chain lossy {
    type filter hook forward priority -10; policy accept;
    meta l4proto udp numgen random mod 100 < $pct counter drop
  }
}
EOF
}

cmd_nat() {
  local kind=${1:-}
  case $kind in eim|fullcone|restricted|symmetric) ;; *) die "nat: KIND must be eim, fullcone, restricted or symmetric" ;; esac
  need_tools
  set_prefix
  [ -e "/run/netns/$(ns router)" ] || die "nat: no lab is up"
  [ -e "/run/netns/$(ns router2)" ] && die "nat: the double scenario has two NATs; switch is for one"
  in_ns router ip -4 addr show dev lan 2>/dev/null | grep -q "$LAN_GW/" || die "nat: this lab's router does not NAT a LAN"
  in_ns router nft delete table ip natlab 2>/dev/null || true
  nat_rules router "$kind" "$ROUTER_WAN" "$LAN_CLIENT"
  # Old mappings would keep their old behaviour until they expire: start from none.
  in_ns router conntrack -F >/dev/null 2>&1 || true
  say "router NAT is now $kind"
}
