import Foundation
import LinkbackCore
import LinkbackKit

// URL text of any bytes: the mention check's parse, the canonical form and the address policy.
// Invariants: the canonical form is a fixed point (canonicalising it again changes nothing), and
// whatever parses as an IP address gets an answer from the address policy; a reference resolved
// on bytes (`WebAddress`) resolves as Foundation resolves it.
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
    // A base URL, a newline, a reference: wherever the byte-level resolver answers, Foundation agrees.
    let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
    if lines.count == 2, let base = WebAddress(String(lines[0])), case .address(let resolved) = base.resolve(String(lines[1])) {
        let expected = URLResolver.resolve(String(lines[1]), against: URL(string: String(lines[0])))
            .flatMap { CanonicalURL.string($0, keepingFragment: true) }
        if resolved.canonical(keepingFragment: true) != expected {
            FileHandle.standardError.write(Data("INVARIANT: \(lines) resolved on bytes to \(resolved.canonical(keepingFragment: true)), by Foundation to \(expected ?? "nil")\n".utf8))
            abort()
        }
    }
    if let address = IPAddress(text) {
        _ = AddressPolicy.refusal(for: address)
    }
    return 0
}
