import HTTPTypes
import LinkbackKit
import Testing

@testable import LinkbackServer

/// A field's value read as swift-http-types reads it, without its join for the usual single field.
@Suite struct HeaderValuesTests {
    @Test(arguments: [[], ["PHP/5.2.10"], ["a", "b"], ["a", "", "c"], [""]])
    func aFieldReadsAsTheSubscriptReadsIt(values: [String]) {
        for name in [HTTPField.Name.userAgent, .cookie] {
            var fields = HTTPFields()
            fields.append(HTTPField(name: .contentType, value: "text/xml"))
            for value in values {
                fields.append(HTTPField(name: name, value: value))
                fields.append(HTTPField(name: .accept, value: "*/*"))
            }
            #expect(fields.value(name) == fields[name], "\(name) \(values)")
        }
    }

    @Test func forwardedHeadersHaveTheirFieldNames() {
        for header in ForwardedHeader.allCases {
            #expect(header.httpFieldName == HTTPField.Name(header.fieldName))
        }
    }

    /// The configured header's values are read only for a peer that is a trusted proxy.
    @Test func forwardedValuesAreReadOnlyBehindATrustedProxy() throws {
        let proxies = [try #require(CIDR("10.0.0.0/8"))]
        var reads = 0
        func values() -> [String] {
            reads += 1
            return ["203.0.113.7"]
        }
        let direct = ClientAddress.resolve(
            peer: IPAddress("192.0.2.1"), header: .xForwardedFor, values: values(), trustedProxies: proxies)
        #expect(direct == IPAddress("192.0.2.1") && reads == 0)
        let proxied = ClientAddress.resolve(
            peer: IPAddress("10.1.2.3"), header: .xForwardedFor, values: values(), trustedProxies: proxies)
        #expect(proxied == IPAddress("203.0.113.7") && reads == 1)
    }
}
