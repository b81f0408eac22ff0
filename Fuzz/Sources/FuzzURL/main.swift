import Foundation
import LinkbackCore
import LinkbackKit

// URL text of any bytes: the mention check's parse, the canonical form and the address policy.
// Invariants: the canonical form is a fixed point (canonicalising it again changes nothing), and
// whatever parses as an IP address gets an answer from the address policy.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    if case .success(let url) = MentionCheck.parse(text, keepingFragment: true) {
        let canonical = url.absoluteString
        if let again = URL(string: canonical).flatMap({ CanonicalURL.string($0, keepingFragment: true) }) {
            if again != canonical {
                FileHandle.standardError.write(Data("INVARIANT: not a fixed point: \(canonical) -> \(again)\n".utf8))
                abort()
            }
        }
        _ = HostName.normalized(url.host ?? "")
    }
    if let address = IPAddress(text) {
        _ = AddressPolicy.refusal(for: address)
    }
    return 0
}
