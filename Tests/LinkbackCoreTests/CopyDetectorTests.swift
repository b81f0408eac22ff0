import Foundation
import LinkbackKit
import Testing

@testable import LinkbackCore

/// The copy detector's own pieces (its behaviour through the real server: CopyDetectionTests).
@Suite struct CopyDetectorTests {
    /// A farm is counted by host (`HostName.of(url:)`, which the store's band map keys by too):
    /// the byte reading must name every source's host exactly as Foundation's parser and
    /// `HostName` do, or one host's pages would count as several.
    @Test(arguments: [
        "https://farm.example/a", "http://FARM.Example./b?x=1", "https://farm.example:8443/c#d", "http://127.0.0.2:8080/a",
        "https://sub.farm.example", "https://xn--bcher-kva.example/p", "https://bücher.example/p", "http://[::1]:8080/a",
        "https://user@farm.example/a", "https://farm.example/a b", "https://farm_1.example/", "https://farm.example?q",
    ])
    func hostsAreReadAsFoundationReadsThem(source: String) {
        #expect(HostName.of(url: source) == URL(string: source)?.host.flatMap(HostName.normalized))
    }
}
