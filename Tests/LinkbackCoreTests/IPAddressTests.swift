import Testing

@testable import LinkbackKit

@Suite struct IPAddressTests {
    @Test func parsesAndPrintsCanonically() {
        #expect(IPAddress("203.0.113.5")?.description == "203.0.113.5")
        #expect(IPAddress("2001:DB8:0:0:0:0:0:1")?.description == "2001:db8::1")
        #expect(IPAddress("::1")?.description == "::1")
    }

    @Test func mappedIPv4UnmapsToIPv4() {
        let mapped = IPAddress("::ffff:192.0.2.7")
        #expect(mapped?.isIPv4 == false)
        #expect(mapped?.unmapped == IPAddress("192.0.2.7"))
        #expect(mapped?.unmapped.description == "192.0.2.7")
    }

    @Test(arguments: ["", "1.2.3", "256.1.1.1", "[::1]", "fe80::1%eth0", "example.com", "1.2.3.4.5"])
    func refusesNonLiterals(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func cidrContainment() throws {
        let ten = try #require(CIDR("10.0.0.0/8"))
        #expect(ten.contains(IPAddress("10.255.0.1")!))
        #expect(!ten.contains(IPAddress("11.0.0.1")!))
        #expect(ten.contains(IPAddress("::ffff:10.1.2.3")!))
        let v6 = try #require(CIDR("2001:db8::/32"))
        #expect(v6.contains(IPAddress("2001:db8:ffff::1")!))
        #expect(!v6.contains(IPAddress("2001:db9::1")!))
        #expect(CIDR("192.0.2.1")?.prefixLength == 32)
        #expect(CIDR("10.1.2.3/8")?.description == "10.0.0.0/8")
        #expect(CIDR("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        #expect(CIDR("::/0")!.contains(IPAddress("::1")!))
        #expect(CIDR("10.0.0.0/33") == nil)
        #expect(CIDR("10.0.0.0/x") == nil)
    }

    @Test func hostPortParsing() {
        #expect(HostPort("Example.COM.")?.description == "example.com")
        #expect(HostPort("example.com:8080") == HostPort(host: "example.com", port: 8080))
        #expect(HostPort("[::1]:8080") == HostPort(host: "::1", port: 8080))
        #expect(HostPort("127.0.0.1:80") == HostPort(host: "127.0.0.1", port: 80))
        #expect(HostPort("example.com:0") == nil)
        #expect(HostPort("example.com:http") == nil)
        #expect(HostPort("-bad.example") == nil)
        #expect(HostPort("[example.com]:80") == nil)
    }

    @Test func domainContainment() {
        #expect(HostName.host("blog.example.com", isWithin: "example.com"))
        #expect(HostName.host("example.com", isWithin: "example.com"))
        #expect(!HostName.host("badexample.com", isWithin: "example.com"))
    }
}
