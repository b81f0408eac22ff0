import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// Copy detection (`spam.copy_detection`): what speaks against a verified source whose text is
/// not its own. Two signals, both reasons for ``MentionLifecycle`` to hold the mention:
///
/// - `copy-of-target`: the source reproduces most of the post it links to (a scraper republishing
///   the post with its links intact). The post's text is fetched through the guarded fetcher and
///   kept, as shingles, for a while (``TargetTexts``).
/// - `copy-cluster`: the source's text is like the texts of sources on `cluster_size - 1` other
///   hosts fingerprinted within the window (a farm). The store's band index finds the candidates;
///   only fingerprints are kept, never pages.
///
/// Cost per verification is bounded: at most one fetch of the post (shared by every verification
/// of it while cached), one index lookup of at most ``candidateLimit`` rows, and shingling that
/// reads at most ``Shingles/maxWords`` words.
public struct CopyDetector: Sendable {
    public let settings: Config.CopyDetection
    let store: any MentionRecords
    let targets: TargetTexts
    let logger: Logger

    /// Fingerprints compared per verification at most: enough to see a farm, bounded whatever
    /// it sends.
    public static let candidateLimit = 200

    public init(
        settings: Config.CopyDetection, store: any MentionRecords, fetcher: any SourceFetching, pool: WorkPool? = nil,
        logger: Logger = Logger(label: "linkback.copies")
    ) {
        self.settings = settings
        self.store = store
        self.targets = TargetTexts(fetcher: fetcher, pool: pool)
        self.logger = logger
    }

    /// The signals for a source whose link to `target` was found with `text`; `mentionID` is its
    /// stored row (not compared with itself), `nil` for one not yet stored. A declared repost
    /// (`u-repost-of`) copies the post openly, as reposting does: it is never a copy-of-target.
    public func signals(
        source: String, target: String, text: Shingles, type: MentionType = .mention, mentionID: Int64?, now: Date
    ) async -> SpamSignals {
        guard settings.enabled else { return .none }
        let minimum = Self.minimumShingles(words: settings.minWords)
        guard let fingerprint = TextFingerprint(text, minimum: minimum) else { return .none }
        var signals = SpamSignals(fingerprint: fingerprint)
        if type != .repost, let url = URL(string: target), let post = await targets.shingles(of: url),
            post.count >= minimum, post.containment(in: text) >= settings.threshold
        {
            signals.reasons.append(SpamSignals.copyOfTarget)
        }
        if await isInCluster(fingerprint, source: source, mentionID: mentionID, now: now) {
            signals.reasons.append(SpamSignals.copyCluster)
        }
        return signals
    }

    /// Whether sources on at least `cluster_size - 1` other hosts sent a text like this one within the window.
    func isInCluster(_ fingerprint: TextFingerprint, source: String, mentionID: Int64?, now: Date) async -> Bool {
        guard settings.clusterSize > 1 else { return true }
        let host = HostName.of(url: source)
        let since = now.addingTimeInterval(-settings.clusterWindowHours * 3600)
        do {
            // The source's own host left out by the store (a farm on one host, or one host's many
            // pages, costs no reads of its rows where the store can tell their hosts beforehand),
            // each other host once: the answer is known at the cluster's size.
            let candidates = try await store.textsLike(
                fingerprint, since: since, excluding: mentionID, limit: Self.candidateLimit, otherThanHost: host)
            var hosts = Set<String>()
            for candidate in candidates {
                guard let otherHost = HostName.of(url: candidate.source), otherHost != host, !hosts.contains(otherHost),
                    (candidate.fingerprint?.likeness(to: fingerprint) ?? 0) >= settings.threshold
                else { continue }
                hosts.insert(otherHost)
                if hosts.count + 1 >= settings.clusterSize { return true }
            }
            return false
        } catch {
            logger.error("cannot look up similar texts", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The mentions among `candidates` (the band index's answer) whose texts are at least
    /// `threshold` alike to `fingerprint`'s: what makes a copy cluster.
    public static func alike(_ candidates: [TextMatch], to fingerprint: TextFingerprint, threshold: Double) -> [TextMatch] {
        candidates.filter { ($0.fingerprint?.likeness(to: fingerprint) ?? 0) >= threshold }
    }

    /// `lang:other` when the source declares a language (`lang:…` among its `traits`) and the
    /// post it links to, read recently, declares another; nothing otherwise.
    public func languageTrait(source traits: [String], target: String) async -> [String] {
        guard let declared = traits.first(where: { $0.hasPrefix("lang:") }), let url = URL(string: target),
            let post = await targets.cachedLanguage(of: url), "lang:" + post != declared
        else { return [] }
        return [SpamFeatures.otherLanguage]
    }

    /// Shingles in a text of `words` words (a shingle starts at every word but the last few).
    static func minimumShingles(words: Int) -> Int { max(1, words - Shingles.size + 1) }
}

/// The owners' posts' texts as shingles, fetched once and kept a while: every verification of a
/// mention of one post within ``lifetime`` shares one fetch, and concurrent ones share it too.
actor TargetTexts {
    let fetcher: any SourceFetching
    let pool: WorkPool?
    /// How long a post's text is kept (a failed fetch too, so a post that cannot be read is not
    /// asked for again by every mention).
    static let lifetime: TimeInterval = 30 * 60
    /// Posts kept at most; the oldest goes first.
    static let capacity = 1024

    /// A post as read: its text's shingles and its declared language (``PageTraits/language(of:)``).
    typealias Post = (shingles: Shingles, language: String?)
    private var cache: [String: (post: Post?, fetched: Date)] = [:]
    private var inFlight: [String: Task<Post?, Never>] = [:]

    init(fetcher: any SourceFetching, pool: WorkPool?) {
        self.fetcher = fetcher
        self.pool = pool
    }

    /// The shingles of the post at `url` (without its fragment); `nil` when it cannot be read.
    func shingles(of url: URL) async -> Shingles? {
        await post(url)?.shingles
    }

    /// The declared language of the post at `url` when it was read recently (for copy
    /// detection); never fetches: a short reply must not cost a fetch of the post.
    func cachedLanguage(of url: URL) -> String? {
        guard let key = Self.key(url), let cached = cache[key], Date().timeIntervalSince(cached.fetched) < Self.lifetime
        else { return nil }
        return cached.post?.language
    }

    private static func key(_ url: URL) -> String? {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.fragment = nil
        return components?.url?.absoluteString
    }

    private func post(_ url: URL) async -> Post? {
        guard let key = Self.key(url), let page = URL(string: key) else { return nil }
        if let cached = cache[key], Date().timeIntervalSince(cached.fetched) < Self.lifetime { return cached.post }
        if let running = inFlight[key] { return await running.value }
        let fetcher = fetcher, pool = pool
        let task = Task { () -> Post? in
            guard let resource = try? await fetcher.fetch(page) else { return nil }
            let type = resource.mediaType ?? "text/html"
            guard type == "text/html" || type == "application/xhtml+xml" else { return nil }
            return await WorkPool.run(on: pool) {
                let document = HTMLDocument(resource)
                return (Shingles(MainText.of(document)), PageTraits.language(of: document))
            }
        }
        inFlight[key] = task
        let post = await task.value
        inFlight[key] = nil
        if cache.count >= Self.capacity, let oldest = cache.min(by: { $0.value.fetched < $1.value.fetched })?.key {
            cache[oldest] = nil
        }
        cache[key] = (post, Date())
        return post
    }
}
