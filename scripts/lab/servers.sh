# shellcheck shell=bash disable=SC2034,SC2154  # variables are shared by the pieces scripts/natlab sources
# natlab: the servers in the simulated internet (coturn, `p2ptui serve`, plain binding servers, the
# egress server, aioquic) and miniupnpd on the router. Sourced by scripts/natlab.

# --- Servers in the simulated internet -----------------------------------------------------------
start_coturn() {
  local pid
  start_daemon inet "$STATE/coturn.out" turnserver -n --stun-only --no-auth --no-tls --no-dtls \
    --no-cli --listening-ip "${STUN_COTURN[0]}" --listening-ip "${STUN_COTURN[1]}" \
    --listening-port 3478 --alt-listening-port 3479 --relay-ip "${STUN_COTURN[0]}" \
    --log-file "$STATE/coturn.log" --simple-log --no-stdout-log --pidfile "$STATE/coturn.pid"
  pid=$DAEMON_PID
  local ep
  for ep in "${STUN_COTURN[0]}:3478" "${STUN_COTURN[0]}:3479" "${STUN_COTURN[1]}:3478" "${STUN_COTURN[1]}:3479"; do
    wait_udp inet "$ep" "$pid" 5 || { cat "$STATE/coturn.out" >&2 || true; die "coturn did not listen on $ep"; }
  done
}

start_p2ptui_serve() {
  if [ ! -x "$P2PTUI_BIN" ]; then
    warn "no p2ptui binary at $P2PTUI_BIN: only coturn serves STUN (${STUN_COTURN[*]})"
    return 0
  fi
  local pid
  local metrics=()
  [ -z "${NATLAB_SERVE_METRICS:-}" ] || metrics=(--metrics "$NATLAB_SERVE_METRICS")
  start_daemon inet "$STATE/p2ptui-serve.log" "$P2PTUI_BIN" serve \
    --primary "${STUN_P2P[0]}" --alternate "${STUN_P2P[1]}" --port 3478 --quic-port 443 "${metrics[@]}"
  pid=$DAEMON_PID
  if ! wait_udp inet "${STUN_P2P[0]}:3478" "$pid" 3; then
    warn "'p2ptui serve' did not come up (see below); only coturn serves STUN"
    tail -n 5 "$STATE/p2ptui-serve.log" >&2 || true
    stop_pids "$pid"
  fi
}

# miniupnpd (nftables backend, Debian miniupnpd-nftables): it adds rules to table inet "filter",
# chains "miniupnpd", "prerouting_miniupnpd", "postrouting_miniupnpd", which we create and hook.
# Its WAN address is in a documentation range, which it refuses as "reserved" unless its own STUN
# check confirms it (ext_perform_stun); that check opens holes through the input chain's jump.
# upnp-vendor: the same daemon, whose device description names a vendor and model (what a
# FortiGate's would say), for the device identification.
start_miniupnpd() {
  local vendor=""
  [ "${1:-}" = vendor ] && vendor=$'manufacturer_name=Fortinet\nmodel_name=FortiGate-60F\nmodel_description=FortiGate next-generation firewall'
  in_ns router nft -f - <<'EOF'
table inet filter {
  chain miniupnpd { }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
  chain input {
    type filter hook input priority filter; policy accept;
    ct state established,related accept
    iif "lo" accept
    iifname "lan" accept
    jump miniupnpd
    iifname "wan" counter drop
  }
  chain forward { type filter hook forward priority filter; policy accept; iifname "wan" jump miniupnpd; }
  chain prerouting { type nat hook prerouting priority dstnat; policy accept; iifname "wan" jump prerouting_miniupnpd; }
  chain postrouting { type nat hook postrouting priority srcnat; policy accept; oifname "wan" jump postrouting_miniupnpd; }
}
EOF
  cat >"$STATE/miniupnpd.conf" <<EOF
ext_ifname=wan
listening_ip=lan
http_port=5000
enable_natpmp=yes
secure_mode=yes
system_uptime=no
ext_perform_stun=yes
ext_stun_host=${STUN_COTURN[0]}
ext_stun_port=3478
uuid=3c5b8f2e-6d1a-4b7e-9f00-0a11ab1e0001
friendly_name=natlab router
${vendor}
lease_file=$STATE/miniupnpd.leases
allow 1024-65535 $LAN_NET 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
EOF
  local pid
  start_daemon router "$STATE/miniupnpd.log" miniupnpd -d -f "$STATE/miniupnpd.conf" \
    -P "$STATE/miniupnpd.pid"
  pid=$DAEMON_PID
  # NAT-PMP/PCP listens once the STUN self-check (about 3 s) is done.
  wait_udp router "$LAN_GW:5351" "$pid" 10 || {
    tail -n 20 "$STATE/miniupnpd.log" >&2 || true; die "miniupnpd did not start"; }
  # HTTP (IGD description and SOAP) must be up too before a client asks.
  local tries=100
  until in_ns router ss -Hltn "sport = :5000" | grep -q .; do
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || die "miniupnpd HTTP did not listen"; sleep 0.05
  done
}

# A plain binding server (`p2ptui serve` with one address: CHANGE-REQUEST gets error 420).
start_plain_server() { # addr port
  [ -x "$P2PTUI_BIN" ] || die "no p2ptui binary at $P2PTUI_BIN: the plain server on $1:$2 needs it"
  start_daemon inet "$STATE/plain-$1-$2.log" "$P2PTUI_BIN" serve --primary "$1" --port "$2"
  wait_udp inet "$1:$2" "$DAEMON_PID" 3 || { tail -n 5 "$STATE/plain-$1-$2.log" >&2 || true; die "plain server $1:$2 did not listen"; }
}

start_egress_server() {
  [ -x "$P2PTUI_BIN" ] || die "scenario needs the p2ptui binary ($P2PTUI_BIN)"
  addr inet lo "$EGRESS_SERVER/32"
  # NATLAB_EGRESS_PORTS (default 1-65535) and NATLAB_EGRESS_MODE (nftables or sockets; default:
  # serve's own choice) shape the egress server, to test ranges a user without root picks.
  local mode=()
  [ -n "${NATLAB_EGRESS_MODE:-}" ] && mode=(--egress-mode "$NATLAB_EGRESS_MODE")
  start_daemon inet "$STATE/egress-serve.log" "$P2PTUI_BIN" serve --primary "$EGRESS_SERVER" --port 3478 \
    --egress-ports "${NATLAB_EGRESS_PORTS:-1-65535}" "${mode[@]}"
  local pid=$DAEMON_PID tries=100
  # Up once it says so: the nftables redirect is in place after the STUN socket is bound.
  until grep -q "egress mode" "$STATE/egress-serve.log" 2>/dev/null; do
    alive "$pid" || { cat "$STATE/egress-serve.log" >&2; die "egress server exited"; }
    tries=$((tries - 1)); [ "$tries" -gt 0 ] || die "egress server did not come up"; sleep 0.05
  done
}

start_aioquic() {
  addr inet lo "$QUIC_AIOQUIC/32"
  start_daemon inet "$STATE/aioquic.log" python3 "$REPO/scripts/quic-server" "$QUIC_AIOQUIC" 443
  wait_udp inet "$QUIC_AIOQUIC:443" "$DAEMON_PID" 10 || { cat "$STATE/aioquic.log" >&2; die "aioquic server did not listen"; }
}
