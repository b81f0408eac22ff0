import Testing

@testable import LinkbackKit

@Suite struct AddressPolicyTests {
    @Test(arguments: [
        "0.0.0.0", "0.1.2.3", "10.1.2.3", "100.64.0.1", "100.127.255.255", "127.0.0.1", "127.255.255.254", "169.254.169.254",
        "172.16.0.1", "172.31.255.255", "192.0.0.1", "192.0.2.5", "192.88.99.1", "192.168.0.1", "198.18.0.1",
        "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.255", "240.0.0.1",
        "255.255.255.255", "::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:c0a8:101::1",
        "2001:db8::1", "fc00::1", "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1", "::127.0.0.1",
        // IPv4-translated, local-use NAT64, discard-only, dummy, Teredo, benchmarking, ORCHIDv2,
        // documentation (3fff::/20), SRv6 SIDs.
        "::ffff:0:7f00:1", "::ffff:0:808:808", "64:ff9b:1::808:808", "64:ff9b:1:ffff::1", "100::1", "100:0:0:1::1",
        "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:2::1", "2001:20::1", "3fff::1", "3fff:fff::1",
        "5f00::1",
    ])
    func refusesSpecialPurposeAddresses(text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(AddressPolicy.refusal(for: address) != nil, "\(text) was allowed")
    }

    @Test(arguments: [
        "93.184.216.34", "1.1.1.1", "8.8.8.8", "100.128.0.1", "172.32.0.1", "192.0.3.1", "198.20.0.1", "223.255.255.255",
        "2606:2800:220:1:248:1893:25c8:1946", "2001:4860:4860::8888", "::ffff:93.184.216.34", "64:ff9b::5db8:d822",
        "2002:5db8:d822::1",
    ])
    func allowsPublicAddresses(text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(AddressPolicy.refusal(for: address) == nil, "\(text) was refused")
    }

    @Test func numericTricks() {
        for trick in ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.0.0.1", "127.0.0.01", "1.2.3.4.", "017700000001"] {
            #expect(AddressPolicy.isNumericTrick(trick), "\(trick)")
        }
        for fine in ["127.0.0.1", "example.com", "1.example", "cafe.be", "x.0x1y", "8.8.8.8"] {
            #expect(!AddressPolicy.isNumericTrick(fine), "\(fine)")
        }
    }
}
