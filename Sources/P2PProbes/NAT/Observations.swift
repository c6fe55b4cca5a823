import P2PExchange
import P2PReport
import STUNCodec

/// One configured server and what its test I (binding from the mapping socket) returned.
public struct ServerProbe: Sendable, Equatable {
    /// As the user gave it.
    public var name: String
    /// Resolved address, nil when resolution failed.
    public var address: TransportAddress?
    /// Resolution failure ("dns-failure: ...", "bad syntax").
    public var resolveError: String?
    /// Test I from the mapping socket.
    public var testI: TransactionOutcome

    public init(name: String, address: TransportAddress?, resolveError: String? = nil, testI: TransactionOutcome) {
        self.name = name
        self.address = address
        self.resolveError = resolveError
        self.testI = testI
    }
}

/// Everything the NAT tests observed.
public struct NATObservations: Sendable, Equatable {
    /// Local endpoint of the mapping socket: the route's source address (not 0.0.0.0) and its port.
    public var mappingLocal: TransportAddress?
    /// Every address configured on this host's interfaces (to recognise "no NAT").
    public var localAddresses: Set<IPAddress>
    /// Test I per server, from the mapping socket, in the order given.
    public var servers: [ServerProbe]
    /// RFC 5780 section 4.3 test II: same socket, to (alternate IP, primary port) of the primary server.
    public var mappingII: TransactionOutcome
    /// Test III: same socket, to (alternate IP, alternate port).
    public var mappingIII: TransactionOutcome
    /// RFC 5780 section 4.4 on fresh sockets: test I to the primary, then test II (change IP and port).
    public var filterII: TransactionOutcome
    /// Fresh socket: test I, then test III (change port only).
    public var filterIII: TransactionOutcome
    /// Test I outcomes of the two filtering sockets (they must be answered for filtering to mean anything).
    public var filterSetup: [TransactionOutcome]
    /// Responses dropped: wrong transaction ID, malformed, unexpected source.
    public var ignoredResponses: Int
    /// Index in `servers` of the server the behaviour tests ran against; nil when none qualified.
    public var behaviourServer: Int?
    /// Servers that advertised an OTHER-ADDRESS but cannot do behaviour tests, with the reason.
    public var unsupportedServers: [String] = []

    public init(mappingLocal: TransportAddress? = nil, localAddresses: Set<IPAddress> = [], servers: [ServerProbe] = [],
                mappingII: TransactionOutcome = .notRun("no OTHER-ADDRESS"),
                mappingIII: TransactionOutcome = .notRun("no OTHER-ADDRESS"),
                filterII: TransactionOutcome = .notRun("no OTHER-ADDRESS"),
                filterIII: TransactionOutcome = .notRun("no OTHER-ADDRESS"),
                filterSetup: [TransactionOutcome] = [], ignoredResponses: Int = 0) {
        self.mappingLocal = mappingLocal
        self.localAddresses = localAddresses
        self.servers = servers
        self.mappingII = mappingII
        self.mappingIII = mappingIII
        self.filterII = filterII
        self.filterIII = filterIII
        self.filterSetup = filterSetup
        self.ignoredResponses = ignoredResponses
    }
}
