import Foundation
import P2PReport
#if canImport(FoundationXML)
import FoundationXML
#endif

/// UPnP IGD: SSDP discovery (UPnP Device Architecture 1.1 section 1.3), the device description,
/// and the WANIPConnection/WANPPPConnection `GetExternalIPAddress` SOAP action.
public enum UPnP {
    public static let ssdpPort: UInt16 = 1900
    public static let internetGatewayDevice = "urn:schemas-upnp-org:device:InternetGatewayDevice:1"

    /// An M-SEARCH for `searchTarget` (sent to 239.255.255.250:1900 and to the gateway directly).
    public static func mSearch(searchTarget: String = internetGatewayDevice, mx: Int = 1) -> [UInt8] {
        Array(("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
            + "MX: \(mx)\r\nST: \(searchTarget)\r\n\r\n").utf8)
    }

    public struct SearchResponse: Sendable, Equatable {
        public var location: HTTP.URL
        public var searchTarget: String?
        public var server: String?
    }

    /// A search response: "HTTP/1.1 200 OK" with a LOCATION header holding an http URL.
    public static func decodeSearchResponse(_ bytes: [UInt8]) -> SearchResponse? {
        guard bytes.count < 8192 else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let (status, headers) = HTTP.parseHead(text), status == 200 else { return nil }
        let h = { (n: String) in headers.first { $0.0 == n }?.1 }
        guard let loc = h("location"), let url = HTTP.URL(loc) else { return nil }
        // Header values are the device's own text: cleaned here, where they enter.
        return SearchResponse(location: url, searchTarget: h("st").map { UntrustedText.clean($0) },
                              server: h("server").map { UntrustedText.clean($0) })
    }

    /// A WAN connection service found in a device description.
    public struct WANService: Sendable, Equatable {
        public var serviceType: String
        public var controlURL: HTTP.URL
    }

    /// Service types that answer GetExternalIPAddress, most specific first.
    static let wanServicePrefixes = ["urn:schemas-upnp-org:service:WANIPConnection:",
                                     "urn:schemas-upnp-org:service:WANPPPConnection:"]

    /// Finds WANIPConnection / WANPPPConnection services and their control URLs (relative ones
    /// resolved against URLBase, else against the description's own URL). Empty for malformed XML.
    public static func wanServices(descriptionXML: [UInt8], descriptionURL: HTTP.URL) -> [WANService] {
        let collector = collect(descriptionXML)
        let base = collector.urlBase.flatMap { HTTP.URL($0) } ?? descriptionURL
        var out: [WANService] = []
        for prefix in wanServicePrefixes {
            for s in collector.services where s.type.hasPrefix(prefix) {
                if let url = base.resolving(s.control) { out.append(WANService(serviceType: s.type, controlURL: url)) }
            }
        }
        return out
    }

    /// What the root device says it is (manufacturer, modelName, modelDescription), each cleaned
    /// here, where the device's own text enters; nil when the description names none of them.
    public static func deviceInfo(descriptionXML: [UInt8]) -> UPnPDeviceInfo? {
        let c = collect(descriptionXML)
        let info = UPnPDeviceInfo(manufacturer: UntrustedText.clean(c.manufacturer, limit: 120),
                                  modelName: UntrustedText.clean(c.modelName, limit: 120),
                                  modelDescription: UntrustedText.clean(c.modelDescription, limit: 200))
        return info.isEmpty ? nil : info
    }

    static func collect(_ xml: [UInt8]) -> DescriptionCollector {
        let collector = DescriptionCollector()
        let parser = XMLParser(data: sanitized(xml))
        parser.delegate = collector
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        _ = parser.parse()
        return collector
    }

    /// Input for XMLParser: valid UTF-8 only. swift-corelibs-foundation's XMLParser traps when
    /// libxml2 hands it an element name with invalid UTF-8 (found by the garbage-input test), and a
    /// LAN device must not be able to crash the diagnostic; invalid sequences become U+FFFD.
    static func sanitized(_ bytes: [UInt8]) -> Data {
        Data(String(decoding: bytes, as: UTF8.self).utf8)
    }

    /// Collects URLBase, every (serviceType, controlURL) pair whatever the nesting depth (services
    /// of an IGD sit in WANDevice > WANConnectionDevice), and the root device's own names (those of
    /// embedded devices are not the product's).
    final class DescriptionCollector: NSObject, XMLParserDelegate {
        var urlBase: String?
        var services: [(type: String, control: String)] = []
        var manufacturer = ""
        var modelName = ""
        var modelDescription = ""
        private var text = ""
        private var inService = false
        private var type = ""
        private var control = ""
        private var deviceDepth = 0

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            text = ""
            switch local(elementName) {
            case "service": inService = true; type = ""; control = ""
            case "device": deviceDepth += 1
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            switch local(elementName) {
            case "URLBase": urlBase = value
            case "serviceType" where inService: type = value
            case "controlURL" where inService: control = value
            case "service":
                if inService, !type.isEmpty, !control.isEmpty { services.append((type, control)) }
                inService = false
            case "device": deviceDepth -= 1
            case "manufacturer" where deviceDepth == 1 && manufacturer.isEmpty: manufacturer = value
            case "modelName" where deviceDepth == 1 && modelName.isEmpty: modelName = value
            case "modelDescription" where deviceDepth == 1 && modelDescription.isEmpty: modelDescription = value
            default: break
            }
            text = ""
        }

        private func local(_ name: String) -> String {
            name.split(separator: ":").last.map(String.init) ?? name
        }
    }

    /// The SOAP request for `GetExternalIPAddress` (UPnP WANIPConnection:1 section 2.4.18):
    /// headers (including SOAPAction) and body.
    public static func getExternalIPAddressRequest(serviceType: String) -> (headers: [(String, String)], body: [UInt8]) {
        let body = """
        <?xml version="1.0"?>\r
        <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" \
        s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">\r
        <s:Body><u:GetExternalIPAddress xmlns:u="\(serviceType)"></u:GetExternalIPAddress></s:Body>\r
        </s:Envelope>\r

        """
        return ([("Content-Type", "text/xml; charset=\"utf-8\""),
                 ("SOAPAction", "\"\(serviceType)#GetExternalIPAddress\"")], Array(body.utf8))
    }

    /// `NewExternalIPAddress` from a SOAP response; nil when absent or the response is a fault.
    /// An empty value (the gateway has no external address) is returned as "".
    public static func decodeExternalIPAddress(_ xml: [UInt8]) -> String? {
        let collector = ElementCollector(wanted: "NewExternalIPAddress")
        let parser = XMLParser(data: sanitized(xml))
        parser.delegate = collector
        parser.shouldResolveExternalEntities = false
        guard parser.parse() else { return nil }
        return collector.value
    }

    /// The UPnP error code of a SOAP fault (e.g. 501 Action Failed), if the body is one.
    public static func decodeFaultCode(_ xml: [UInt8]) -> Int? {
        let collector = ElementCollector(wanted: "errorCode")
        let parser = XMLParser(data: sanitized(xml))
        parser.delegate = collector
        parser.shouldResolveExternalEntities = false
        guard parser.parse() else { return nil }
        return collector.value.flatMap { Int($0) }
    }

    final class ElementCollector: NSObject, XMLParserDelegate {
        let wanted: String
        var value: String?
        private var text = ""
        private var inside = false

        init(wanted: String) { self.wanted = wanted }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            if (elementName.split(separator: ":").last.map(String.init) ?? elementName) == wanted { inside = true; text = "" }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { if inside { text += string } }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?) {
            if inside, (elementName.split(separator: ":").last.map(String.init) ?? elementName) == wanted {
                inside = false
                if value == nil { value = text.trimmingCharacters(in: .whitespacesAndNewlines) }
            }
        }
    }
}
