import Foundation
import LinkbackKit

extension Block {
    /// Why a text cannot be blocked as asked.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The kind and the one stored form of a block value: an IP address or CIDR range in
    /// canonical form, a URL prefix as a canonical URL (``CanonicalURL``), or a normalised domain
    /// (``HostName/normalized(_:)``). The kind is detected (an address or range, a URL, else a
    /// domain) unless `kind` forces one.
    public static func normalized(_ text: String, kind forced: Kind? = nil) throws(Problem) -> (Kind, String) {
        let kind = forced ?? (CIDR(text) != nil ? .ip : (text.contains("://") ? .url : .domain))
        switch kind {
        case .ip:
            guard let range = CIDR(text) else { throw Problem(description: "\(text) is not an IP address or CIDR range") }
            let single = range.prefixLength == (range.address.isIPv4 ? 32 : 128)
            return (.ip, single ? range.address.description : range.description)
        case .url:
            guard case .success(let url) = MentionCheck.parse(text) else {
                throw Problem(description: "\(text) is not an http or https URL prefix")
            }
            return (.url, url.absoluteString)
        case .domain:
            guard let domain = HostName.normalized(text) else { throw Problem(description: "\(text) is not a domain name") }
            return (.domain, domain)
        }
    }
}

/// What blocking did.
public struct BlockResult: Sendable {
    public var block: Block
    /// Mentions from a blocked domain that were not approved, now marked spam.
    public var markedSpam: Int
}
