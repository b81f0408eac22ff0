import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// The canonical URL of a target on the owner's sites (`verification.canonical_targets`), so a
/// mention of `/old-post`, of an AMP copy or of a `?utm=` spelling is stored, counted and listed
/// with the post's own. The target is fetched once: its redirects are followed (the final URL
/// counts only when it is on one of the sites), then its `<link rel="canonical">` is read (again
/// only on the sites); the fragment that was sent is kept. What it found is remembered in memory
/// and, when it differs from the spelling, in the store (`target_spellings`), where the read paths
/// find it.
///
/// Bounded: one fetch per spelling an hour at most, at most ``maxInFlight`` at once (beyond them
/// a target is stored as sent), each bounded by `verification.target_check_timeout_seconds`.
public final class TargetCanonicalizer: Sendable {
    public enum Resolution: Sendable, Equatable {
        /// The canonical URL (the target itself when it has no other).
        case canonical(URL)
        /// The target could not be fetched.
        case failed(FetchFailure)
        /// Too many targets are being fetched: the target is used as sent.
        case busy
    }

    /// Targets fetched at once, at most.
    public static let maxInFlight = 8
    /// How long a target's canonical URL is trusted before it is fetched again.
    public static let memoryTTL: TimeInterval = 3600
    /// Spellings remembered in memory, at most (the memory is emptied when full).
    public static let memoryLimit = 10_000

    let fetcher: any SourceFetching
    let check: MentionCheck
    let store: any MentionRecords
    let clock: any WallClock
    let logger: Logger
    private let memory = Locked<[String: (canonical: String, at: Date)]>([:])
    private let inFlight = Locked(0)

    public init(
        fetcher: any SourceFetching, check: MentionCheck, store: any MentionRecords, clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "linkback.receive")
    ) {
        self.fetcher = fetcher
        self.check = check
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    public func resolve(_ target: URL) async -> Resolution {
        let text = target.absoluteString
        let page = String(text.prefix { $0 != "#" })
        let fragment = text.dropFirst(page.count)
        let now = clock.now()
        if let known = memory.withLock({ $0[page] }), now.timeIntervalSince(known.at) < Self.memoryTTL,
            let url = URL(string: known.canonical + fragment)
        {
            return .canonical(url)
        }
        guard inFlight.withLock({ count in
            guard count < Self.maxInFlight else { return false }
            count += 1
            return true
        }) else { return .busy }
        defer { inFlight.withLock { $0 -= 1 } }
        guard let pageURL = URL(string: page) else { return .canonical(target) }
        let resource: FetchedResource
        do {
            resource = try await fetcher.fetch(pageURL)
        } catch {
            return .failed(error)
        }
        let canonical = canonical(of: resource) ?? page
        memory.withLock { memory in
            if memory.count >= Self.memoryLimit { memory.removeAll() }
            memory[page] = (canonical, now)
        }
        if canonical != page {
            do {
                try await store.recordSpelling(page, canonical: canonical)
            } catch {
                logger.warning("cannot record a target's canonical URL", metadata: ["target": "\(page)", "error": "\(error)"])
            }
        }
        return .canonical(URL(string: canonical + fragment) ?? target)
    }

    /// The fetched page's canonical URL on the owner's sites: its `rel=canonical` when there is
    /// one on the sites, else the URL it was found at after redirects when that is on the sites.
    func canonical(of resource: FetchedResource) -> String? {
        func onSites(_ url: URL) -> String? {
            guard case .success(let parsed) = MentionCheck.parse(url.absoluteString) else { return nil }
            return check.onSite(parsed)?.url.absoluteString
        }
        if resource.isHTML {
            let document = HTMLDocument(resource)
            let link = document.root.descendants {
                $0.name == "link" && ($0[attribute: "rel"] ?? "").lowercased().split(separator: " ").contains("canonical")
            }.first
            if let href = link?[attribute: "href"], let url = document.resolve(href), let found = onSites(url) { return found }
        }
        return onSites(resource.url)
    }
}
