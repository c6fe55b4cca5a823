import P2PExchange
import P2PReport

/// A STUN server's own text (SOFTWARE, an error's reason phrase), cleaned where it enters and
/// bounded at 128 characters (RFC 8489 sections 14.8 and 14.14: fewer than 128).
let serverText: ServerTextCleaner = { UntrustedText.clean($0, limit: 128) }
