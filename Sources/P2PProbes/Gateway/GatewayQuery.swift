import Glibc
import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec

/// Asks the default gateway for its external address by UPnP IGD, NAT-PMP and PCP, all at once.
public struct GatewayQuery: Sendable {
    public var gateway: IPAddress
    /// Where the port-control protocols are sent (5351; tests point it elsewhere).
    public var portControlPort: UInt16
    /// Where unicast SSDP goes (1900), besides the multicast group.
    public var ssdpPort: UInt16
    /// Also send the M-SEARCH to 239.255.255.250.
    public var multicastSSDP: Bool
    public var clock: any MonotonicClock
    /// The gateway's round trip (the path trace's first hop), when known: NAT-PMP and PCP
    /// silence is judged from it (`ICMPPlan.portControl`).
    public var rtt: Double?
    /// True once every other probe of the run is done: a query still silent then (neither an
    /// answer nor the ICMP port-unreachable of a closed port, which the gateway's rate limit may
    /// withhold) stops waiting, with that said in its note, once it had its RTT-based window.
    public var restDone: @Sendable () -> Bool = { false }

    public init(gateway: IPAddress, portControlPort: UInt16 = NATPMP.port, ssdpPort: UInt16 = UPnP.ssdpPort,
                multicastSSDP: Bool = true, clock: any MonotonicClock = SystemClock()) {
        self.gateway = gateway
        self.portControlPort = portControlPort
        self.ssdpPort = ssdpPort
        self.multicastSSDP = multicastSSDP
        self.clock = clock
    }

    public struct Result: Sendable, Equatable {
        public var reports: [GatewayReport] = []
        public var pcpAddressMismatch = false
        /// Protocols that did not answer or failed, with why.
        public var notes: [String] = []
    }

    public func run(deadline: Deadline) async -> Result {
        // SSDP goes first on the gateway's ICMP budget (`ICMPPlan.firstRouter`): a refused port
        // 1900 saves the most (UDA 1.1 section 1.3.3 gives a device a second to answer).
        let ssdpSent = SetOnce()
        async let upnp = upnp(deadline: deadline, sent: ssdpSent)
        await ssdpSent.wait(limit: 0.05, clock: clock)
        // NAT-PMP and PCP share port 5351: PCP first; a refusal or silence there answers for
        // NAT-PMP too (a NAT-PMP server answers PCP's version 2 with Unsupported Version, RFC 6886
        // section 3.5), so a closed port costs the gateway one ICMP error, not two.
        var portSilence: Silence?
        let pcp = await pcp(deadline: deadline, silence: &portSilence)
        let pmp: (GatewayReport?, String?, Bool)
        if let portSilence {
            pmp = (nil, portSilence.note("nat-pmp", closed: "port 5351 closed", silent: "no answer to PCP on the same port"), false)
        } else {
            pmp = await natPMP(deadline: deadline)
        }
        var r = Result()
        for (report, note, mismatch) in [await upnp, pmp, pcp] {
            if let report { r.reports.append(report) }
            if let note { r.notes.append(note) }
            r.pcpAddressMismatch = r.pcpAddressMismatch || mismatch
        }
        return r
    }

    /// How one query ended without an answer.
    enum Silence: Sendable, Equatable {
        /// ICMP port unreachable: nothing listens there.
        case refused
        /// Nothing came within the window.
        case silent
        /// Nothing came, and the wait stopped once the rest of the check was done.
        case cut(ms: Int)

        func note(_ proto: String, closed: String, silent: String) -> String {
            switch self {
            case .refused: return "\(proto): \(closed)"
            case .silent: return "\(proto): \(silent)"
            case .cut(let ms):
                return "\(proto): \(silent) in \(ms) ms and no ICMP error either; the gateway may rate-limit those (RFC 1812 section 4.3.2.8), so not proven absent"
            }
        }
    }

    /// Sends `request` on the schedule and returns the first datagram `accept` takes; nil on
    /// silence or when the gateway refuses the port (ICMP port unreachable, seen through
    /// IP_RECVERR so a closed port ends the wait at once instead of at the deadline). Still
    /// silent after `atLeast` seconds once `restDone` holds, it stops waiting.
    static func exchange<T: Sendable>(_ socket: UDPSocket, to: TransportAddress, request: [UInt8], sends: [Double],
                                      until end: Deadline, clock: any MonotonicClock, atLeast: Double = 0,
                                      firstSent: SetOnce? = nil,
                                      restDone: @escaping @Sendable () -> Bool = { false },
                                      accept: @escaping @Sendable ([UInt8]) -> T?) async -> (T?, Silence) {
        let start = clock.nowNanos()
        let (r, cut) = await untilRestDone(atLeast: atLeast, stop: restDone, clock: clock) { () -> (T?, Bool)? in
            await ScheduledExchange(sends: sends, end: end, clock: clock).run(
                send: {
                    defer { firstSent?.set() }
                    do { try socket.send(request, to: to) } catch let e as SocketError where e.code == ECONNREFUSED {
                        return (nil, true)
                    } catch {}
                    return nil
                },
                receive: { try await socket.receive(until: $0, clock: clock) },
                handle: { got in
                    switch got {
                    case .success(let d):
                        guard d.source.ip == to.ip, let v = accept(d.bytes) else { return nil }
                        return (v, false)
                    case .failure(let e as SocketError):
                        // With IP_RECVERR the report also sits in the error queue: drain it, or every
                        // later receive would throw at once.
                        var refused = e.code == ECONNREFUSED
                        while let r = try? socket.readErrorQueue() { refused = refused || r.isPortUnreachable }
                        return refused ? (nil, true) : nil
                    case .failure:
                        return nil
                    }
                })
        }
        if let (v, refused) = r { return (v, refused ? .refused : .silent) }
        return (nil, cut ? .cut(ms: Int((clock.nowNanos() &- start) / 1_000_000)) : .silent)
    }

    /// RFC 6886 section 3.2, retransmitted at 0, 250 and 500 ms (section 3.1 starts at 250 ms).
    func natPMP(deadline: Deadline) async -> (GatewayReport?, String?, Bool) {
        guard let s = try? UDPSocket(family: .ipv4) else { return (nil, "nat-pmp: no socket", false) }
        defer { s.close() }
        try? s.enableErrorQueue()
        let timing = ICMPPlan.portControl(rtt: rtt)
        let end = min(deadline, Deadline.after(seconds: timing.window, clock: clock))
        let (reply, silence) = await Self.exchange(s, to: TransportAddress(gateway, portControlPort), request: NATPMP.externalAddressRequest(),
                                                   sends: timing.sends, until: end, clock: clock, atLeast: ICMPPlan.gatewaySilence(rtt: rtt),
                                                   restDone: restDone, accept: NATPMP.decodeExternalAddressResponse)
        guard let reply else { return (nil, silence.note("nat-pmp", closed: "port 5351 closed", silent: "no answer"), false) }
        if reply.resultCode != 0 {
            return (GatewayReport(via: .natPMP, externalAddress: nil, detail: "result code \(reply.resultCode)"), nil, false)
        }
        return (GatewayReport(via: .natPMP, externalAddress: reply.externalAddress, detail: "epoch \(reply.epoch)"), nil, false)
    }

    /// RFC 6887: ANNOUNCE (section 14.1) shows support and, with ADDRESS_MISMATCH, a NAT in
    /// between; then a short MAP (section 11) gives the external address, deleted right after
    /// (lifetime 0, section 15) so the probe leaves no mapping behind.
    func pcp(deadline: Deadline, silence portSilence: inout Silence?) async -> (GatewayReport?, String?, Bool) {
        guard let s = try? UDPSocket(family: .ipv4) else { return (nil, "pcp: no socket", false) }
        defer { s.close() }
        try? s.enableErrorQueue()
        let server = TransportAddress(gateway, portControlPort)
        guard let client = try? routeSourceAddress(toward: server) else { return (nil, "pcp: no route to gateway", false) }
        let timing = ICMPPlan.portControl(rtt: rtt)
        let end = min(deadline, Deadline.after(seconds: timing.window, clock: clock))
        enum Reply: Sendable { case pcp(PCP.Response), natPMPOnly }
        let accept: @Sendable ([UInt8]) -> Reply? = { b in
            if let r = PCP.decodeResponse(b) { return .pcp(r) }
            if NATPMP.isUnsupportedVersionReply(b) { return .natPMPOnly }
            return nil
        }
        let (announce, silence) = await Self.exchange(s, to: server, request: PCP.announceRequest(client: client),
                                                      sends: timing.sends, until: end, clock: clock, atLeast: ICMPPlan.gatewaySilence(rtt: rtt),
                                                      restDone: restDone, accept: accept)
        guard let announce else {
            portSilence = silence
            return (nil, silence.note("pcp", closed: "port 5351 closed", silent: "no answer"), false)
        }
        guard case .pcp(let a) = announce else { return (nil, "pcp: gateway speaks NAT-PMP only", false) }
        if a.resultCode == PCP.addressMismatch {
            return (GatewayReport(via: .pcp, externalAddress: nil, detail: "ADDRESS_MISMATCH"), nil, true)
        }
        guard a.resultCode == 0, let port = try? s.localAddress().port else {
            return (GatewayReport(via: .pcp, externalAddress: nil, detail: "ANNOUNCE: \(a.resultName)"), nil, false)
        }
        let nonce = (0..<12).map { _ in UInt8.random(in: 0...255) }
        let mapEnd = min(deadline, Deadline.after(seconds: timing.window, clock: clock))
        let (map, _) = await Self.exchange(s, to: server, request: PCP.mapRequest(client: client, nonce: nonce, internalPort: port, lifetime: 30),
                                           sends: timing.sends, until: max(end, mapEnd), clock: clock) { b -> PCP.Response? in
            guard let r = PCP.decodeResponse(b), r.opcode == PCP.Opcode.map.rawValue, r.nonce == nonce else { return nil }
            return r
        }
        guard let map else { return (GatewayReport(via: .pcp, externalAddress: nil, detail: "ANNOUNCE answered, MAP did not"), nil, false) }
        if map.resultCode == PCP.addressMismatch {
            return (GatewayReport(via: .pcp, externalAddress: nil, detail: "ADDRESS_MISMATCH"), nil, true)
        }
        guard map.resultCode == 0 else {
            return (GatewayReport(via: .pcp, externalAddress: nil, detail: "MAP: \(map.resultName)"), nil, false)
        }
        // Delete the mapping (one send; it also expires by itself in 30 s).
        try? s.send(PCP.mapRequest(client: client, nonce: nonce, internalPort: port, lifetime: 0), to: server)
        return (GatewayReport(via: .pcp, externalAddress: map.assignedAddress, detail: "MAP"), nil, false)
    }

    /// SSDP M-SEARCH (multicast and unicast to the gateway), then the description and SOAP
    /// GetExternalIPAddress over HTTP.
    func upnp(deadline: Deadline, sent: SetOnce = SetOnce()) async -> (GatewayReport?, String?, Bool) {
        defer { sent.set() }
        guard let s = try? UDPSocket(family: .ipv4) else { return (nil, "upnp: no socket", false) }
        defer { s.close() }
        try? s.enableErrorQueue()
        let end = min(deadline, Deadline.after(seconds: Schedule.silenceWindow, clock: clock))
        let search = UPnP.mSearch()
        if multicastSSDP { try? s.send(search, to: TransportAddress(.v4(239, 255, 255, 250), UPnP.ssdpPort)) }
        // UDA 1.1 section 1.3.3: a device answers a unicast M-SEARCH within a second; the LAN
        // gateway's answers come in milliseconds, so once the rest is done a silence of the port
        // control window (the same gateway) is not waited out to the second.
        let (found, silence) = await Self.exchange(s, to: TransportAddress(gateway, ssdpPort), request: search,
                                                   sends: [0, 0.3, 0.6], until: end, clock: clock,
                                                   atLeast: ICMPPlan.gatewaySilence(rtt: rtt), firstSent: sent, restDone: restDone,
                                                   accept: UPnP.decodeSearchResponse)
        guard let found else { return (nil, silence.note("upnp", closed: "SSDP port 1900 closed", silent: "no SSDP answer"), false) }
        let httpEnd = min(deadline, Deadline.after(seconds: 1.5, clock: clock))
        let location = found.location
        let (result, device) = await blocking { Self.describeAndAsk(location: location, until: httpEnd) }
        switch result {
        case .success(let text):
            let ip = IPAddress(text)
            return (GatewayReport(via: .upnp, externalAddress: ip,
                                  detail: ip == nil ? "empty external address" : "IGD at \(UntrustedText.clean(location.description))",
                                  device: device), nil, false)
        case .failure(let f):
            return (GatewayReport(via: .upnp, externalAddress: nil, detail: "\(f)", device: device), nil, false)
        }
    }

    /// The device description (what the gateway says it is, and its WAN service), then the SOAP
    /// GetExternalIPAddress. Blocking HTTP: run off the cooperative pool.
    static func describeAndAsk(location: HTTP.URL, until end: Deadline) -> (Swift.Result<String, HTTP.Failure>, UPnPDeviceInfo?) {
        var device: UPnPDeviceInfo?
        do {
            let desc = try HTTP.fetch(url: location, deadline: end)
            guard desc.status == 200 else { return (.failure(.malformed("description: HTTP \(desc.status)")), nil) }
            device = UPnP.deviceInfo(descriptionXML: desc.body)
            let services = UPnP.wanServices(descriptionXML: desc.body, descriptionURL: location)
            guard let svc = services.first else { return (.failure(.malformed("no WANIPConnection/WANPPPConnection service")), device) }
            let (headers, body) = UPnP.getExternalIPAddressRequest(serviceType: svc.serviceType)
            let soap = try HTTP.fetch(method: "POST", url: svc.controlURL, headers: headers, body: body, deadline: end)
            if let ip = UPnP.decodeExternalIPAddress(soap.body), soap.status == 200 { return (.success(ip), device) }
            if let code = UPnP.decodeFaultCode(soap.body) { return (.failure(.malformed("SOAP fault \(code)")), device) }
            return (.failure(.malformed("GetExternalIPAddress: HTTP \(soap.status)")), device)
        } catch {
            return (.failure(error), device)
        }
    }
}
