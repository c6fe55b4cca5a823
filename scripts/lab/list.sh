# shellcheck shell=bash disable=SC2034,SC2154  # variables are shared by the pieces scripts/natlab sources
# natlab list: the scenarios and the address plan. Sourced by scripts/natlab.

cmd_list() {
  cat <<EOF
Scenarios (router behaviour -> what a correct RFC 5780 client reports):
  open         routed, no NAT, no filter            no-nat, Open Internet
  firewall     no NAT, stateful inbound filter      no-nat, Symmetric UDP Firewall
  eim          masquerade (port-preserving)         EIM + address-and-port-dependent filtering, Port Restricted Cone
  fullcone     masquerade + DNAT to live mappings   EIM + EIF, Full Cone
  restricted   masquerade + address-keyed DNAT      EIM + address-dependent filtering, Restricted Cone
  symmetric    SNAT fully-random                    address-and-port-dependent mapping, Symmetric NAT
  double       two masquerading routers (CGNAT)     EIM (double NAT)
  udp-blocked  masquerade, forward drops UDP        Blocked
  hairpin      eim + hairpin DNAT/SNAT              hairpin supported
  upnp         eim + miniupnpd (UPnP IGD, NAT-PMP, PCP)  gateway reports $ROUTER_WAN
  upnp-vendor  upnp, the description names Fortinet FortiGate-60F  natDevice fortigate, identified
Internet-like (the kernel's default ICMP rate limits hold in every namespace of every scenario):
  udp-53-443   eim, outbound UDP only to ports 53, 443  UDP partial; plain server $STUN_443:443 answers
  public-eim   eim, no RFC 5780 server, plain servers   mapping EIM across servers, filtering inconclusive
  public-symmetric  symmetric, plain servers only       mapping varies across servers (Symmetric NAT)
  public-fullcone   fullcone, plain servers only        mapping EIM across servers, filtering inconclusive
  (public-*: ${STUN_PLAIN[0]}:${STUN_PLAIN_PORTS[0]}, ${STUN_PLAIN[1]}:${STUN_PLAIN_PORTS[1]}, ${STUN_PLAIN[2]}:${STUN_PLAIN_PORTS[2]}; these hosts drop packets to closed ports, no ICMP)
  egress       eim + p2ptui serve --egress-ports 1-65535 at $EGRESS_SERVER, aioquic at $QUIC_AIOQUIC:443   udp open (check --egress-target $EGRESS_SERVER), quic open
  egress-quic  egress + router drops QUIC-shaped UDP to 443; aioquic at $QUIC_AIOQUIC:443   quic filtered (egress server) / not-proven (aioquic)
  egress-53-443 egress + router lets only UDP 53 and 443 out               udp partial, naming the blocked ports
Path limits:
  mtu-1280     eim, router-inet link MTU 1280 (ICMP frag-needed)   datagram 1200 both ways: datagram-reduced
  drop-over-1200 eim, router drops UDP packets over 1200 bytes      datagram 1000 both ways: datagram-too-small
  udp-timeout-20 eim, conntrack UDP timeouts 20 s                   check --lifetime: [15, 25] s, short-mapping-lifetime
  udp-timeout-60 eim, conntrack UDP timeouts 60 s                   check --lifetime: [55, 65] s

Address plan (namespaces are <prefix>-client, -router, -router2, -inet):
  inet     isp0 $INET_WAN/24; lo: ${STUN_P2P[0]}, ${STUN_P2P[1]} (p2ptui serve, UDP 3478/3479, QUIC VN on 443)
                                 ${STUN_COTURN[0]}, ${STUN_COTURN[1]} (coturn, UDP 3478/3479)
  router   wan $ROUTER_WAN/24 (outer router in 'double'), lan $LAN_GW/24 ($PUB_GW/24 in open/firewall)
  client   eth0 $LAN_CLIENT/24 ($PUB_CLIENT/24 in open/firewall), default via router
  double   client -> router (lan $LAN_GW, wan $CGN_INNER/24) -> router2 (lan $CGN_OUTER/24, wan $ROUTER_WAN/24) -> inet
  upnp     miniupnpd on router: SSDP/HTTP $LAN_GW:5000, NAT-PMP/PCP $LAN_GW:5351
Nothing links to the host's namespace.
EOF
}
