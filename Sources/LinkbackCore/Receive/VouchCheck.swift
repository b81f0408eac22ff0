import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// Vouch (<https://indieweb.org/Vouch>), an anti-spam extension to Webmention: with
/// `vouch.mode: require_unknown`, a webmention whose source is on a domain this server does not
/// know must name a `vouch` URL, a page on a domain it does know that links to the source's
/// domain; someone the owner already trusts vouches for the sender.
///
/// A domain is known when an approved mention came from it, or it is (or is a subdomain of) one
/// in `vouch.known_domains` (the domains the owner's own site links to), `moderation.allow_domains`
/// or the allow list kept in the database.
public struct VouchCheck: Sendable {
    public typealias Mode = VouchMode
    public typealias PingbackPolicy = VouchPingbackPolicy

    public let mode: Mode
    public let pingbackPolicy: PingbackPolicy
    /// `vouch.known_domains` and `moderation.allow_domains`, replaced by a configuration reload.
    public let knownDomainList: DomainList
    var knownDomains: [String] { knownDomainList.current }
    let storedAllowDomains: DomainList?
    let store: any MentionRecords
    let fetcher: any SourceFetching
    let pool: WorkPool?
    /// Bounds the vouch page's fetch (made while the sender waits); `nil`: unbounded (the CLI).
    let work: InRequestWork?
    let logger: Logger

    public init(
        mode: Mode, pingbackPolicy: PingbackPolicy = .moderate, knownDomains: [String],
        storedAllowDomains: DomainList? = nil, store: any MentionRecords, fetcher: any SourceFetching, pool: WorkPool? = nil,
        work: InRequestWork? = nil, logger: Logger = Logger(label: "linkback.vouch")
    ) {
        self.mode = mode
        self.pingbackPolicy = pingbackPolicy
        knownDomainList = DomainList(knownDomains)
        self.storedAllowDomains = storedAllowDomains
        self.store = store
        self.fetcher = fetcher
        self.pool = pool
        self.work = work
        self.logger = logger
    }

    /// From `config`: the known domains are `vouch.known_domains` and `moderation.allow_domains`.
    public init(
        config: Config, storedAllowDomains: DomainList?, store: any MentionRecords, fetcher: any SourceFetching,
        pool: WorkPool?, work: InRequestWork? = nil, logger: Logger = Logger(label: "linkback.vouch")
    ) {
        self.init(
            mode: config.vouch.mode, pingbackPolicy: config.vouch.pingbackUnknown,
            knownDomains: config.vouch.knownDomains + config.moderation.allowDomains,
            storedAllowDomains: storedAllowDomains, store: store, fetcher: fetcher, pool: pool, work: work, logger: logger)
    }

    /// Whether `host` (a normalised host name) is known. A store that cannot answer knows nothing.
    public func isKnown(host: String) async -> Bool {
        if (knownDomains + (storedAllowDomains?.current ?? [])).contains(where: { HostName.host(host, isWithin: $0) }) {
            return true
        }
        return (try? await store.hasApprovedMention(fromHost: host)) ?? false
    }

    /// Whether a mention from `source` needs a vouch it does not have: `true` only under
    /// `require_unknown` for an unknown source domain.
    public func needsVouch(source: URL) async -> Bool {
        guard mode == .requireUnknown else { return false }
        guard let host = source.host.flatMap(HostName.normalized) else { return true }
        return !(await isKnown(host: host))
    }

    /// Checks a webmention's `vouch` for `source`: the vouch URL to store with the mention (`nil`
    /// when none is needed: mode off, or the source's domain is known), or why it is refused:
    /// ``MentionCheckFailure/vouchRequired`` without one, ``MentionCheckFailure/invalidVouch(_:)``
    /// for a vouch URL that is not acceptable, not on a known domain, cannot be fetched through
    /// the guarded fetcher, or does not link to the source's domain.
    public func check(source: URL, vouch: String?) async -> Result<String?, MentionCheckFailure> {
        guard await needsVouch(source: source) else { return .success(nil) }
        guard let vouch, !vouch.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .failure(.vouchRequired)
        }
        let url: URL
        switch MentionCheck.parse(vouch) {
        case .success(let parsed): url = parsed
        case .failure(let problem): return .failure(.invalidVouch("the vouch URL \(problem.message)"))
        }
        guard let sourceHost = source.host.flatMap(HostName.normalized),
            let vouchHost = url.host.flatMap(HostName.normalized), await isKnown(host: vouchHost)
        else {
            return .failure(.invalidVouch("the vouch URL is not on a domain this server knows"))
        }
        let (fetcher, pool, logger) = (fetcher, pool, logger)
        let fetchAndLook: @Sendable () async -> Result<String?, MentionCheckFailure> = {
            let page: FetchedResource
            do {
                page = try await fetcher.fetch(url)
            } catch {
                // Why stays in our log: told to an unauthenticated sender, it would map networks.
                logger.info("vouch page not fetched", metadata: ["vouch": "\(url.absoluteString)", "error": "\(error)"])
                return .failure(.invalidVouch("the vouch page could not be verified"))
            }
            let linked: @Sendable () -> Bool = {
                page.isHTML && LinkFinder.linksToHost(in: HTMLDocument(page), host: sourceHost)
            }
            let found = await WorkPool.run(on: pool, linked)
            guard found else { return .failure(.invalidVouch("the vouch page does not link to \(sourceHost)")) }
            return .success(url.absoluteString)
        }
        if let work { return await work.run(fetchAndLook) }
        return await fetchAndLook()
    }
}
