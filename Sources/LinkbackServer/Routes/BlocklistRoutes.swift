import Foundation
import Hummingbird
import LinkbackKit

/// `GET /api/blocklist.txt` (with `spam.publish_blocklist`): this instance's own verdicts, the
/// domains its moderators and traps blocked, in the `domains` blocklist format, so other
/// instances can subscribe to it. Lists it subscribes to itself are not passed on. Answered from
/// the blocks already in memory (refreshed from the store every few seconds), never from the store.
struct BlocklistRoutes {
    let spam: SpamGuard
    let maxAge: Int
    let baseURL: String

    func register(on router: Router<LinkbackRequestContext>) {
        router.get("api/blocklist.txt") { _, _ in
            let domains = Set(spam.storedDomains).sorted()
            let text = "# Domains blocked as spam by the Linkback at \(baseURL) (\(domains.count)).\n"
                + "# Subscribe with spam.blocklists: [{url: …/api/blocklist.txt, format: domains}].\n"
                + domains.map { $0 + "\n" }.joined()
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/plain; charset=utf-8", .accessControlAllowOrigin: "*",
                    .cacheControl: "public, max-age=\(maxAge)",
                ],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
