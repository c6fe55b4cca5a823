// IPAddress and TransportAddress live in P2PAddress (no dependencies, so the report and its
// exporters can use them too); every importer of the codec sees them as before.
@_exported import P2PAddress
