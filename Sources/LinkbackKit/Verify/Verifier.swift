import Foundation
import Logging

/// Verifies that a source links to a target, exactly and safely: the guarded fetch, the link
/// check by media type, and the extraction of mention data. Knows nothing of protocols or storage.
public struct Verifier: Sendable {
    public let fetcher: any SourceFetching
    public let lenientMatch: Bool
    public let maxContentLength: Int
    /// Steps the microformats parse of one page may take (`verification.extraction_budget`).
    public let extractionBudget: Int
    /// Where fetched pages are parsed; `nil` parses on the calling task (the CLI).
    public let pool: WorkPool?
    /// Bytes of pages held at once across verifications; `nil` for no limit (the CLI).
    public let memory: ByteBudget?
    /// What a fetch reserves from ``memory`` before it starts: the most it may read. Once the page
    /// is in, the reservation shrinks to what the page holds until it is parsed.
    public let fetchReservation: Int
    package let logger: Logger

    public init(
        fetcher: any SourceFetching, lenientMatch: Bool = false, maxContentLength: Int = 2000,
        extractionBudget: Int = MF2Parser.defaultBudget, pool: WorkPool? = nil, memory: ByteBudget? = nil,
        fetchReservation: Int = 1 << 20, logger: Logger = Logger(label: "linkback.verify")
    ) {
        self.fetcher = fetcher
        self.lenientMatch = lenientMatch
        self.maxContentLength = maxContentLength
        self.extractionBudget = extractionBudget
        self.pool = pool
        self.memory = memory
        self.fetchReservation = fetchReservation
        self.logger = logger
    }

    /// A verifier configured from `config` (fetch limits, matching, content length, budget). With
    /// `spam`, every fetch hop counts against its per-source-host cap; `timeoutSeconds` lowers the
    /// fetch timeout. Verifiers that share `memory` share its limit on pages held at once.
    public init(
        config: Config, spam: SpamGuard? = nil, timeoutSeconds: Double? = nil, pool: WorkPool? = nil,
        memory: ByteBudget? = nil, logger: Logger = Logger(label: "linkback.verify")
    ) {
        let fetcher = GuardedFetcher(
            config: config, spam: spam, timeoutSeconds: timeoutSeconds.map { min(config.fetch.timeoutSeconds, $0) })
        self.init(
            fetcher: fetcher, lenientMatch: config.verification.lenientMatch,
            maxContentLength: config.verification.maxContentLength,
            extractionBudget: config.verification.extractionBudget, pool: pool, memory: memory,
            fetchReservation: config.fetch.maxBytes, logger: logger)
    }

    public func verify(source: URL, target: URL) async -> VerificationOutcome {
        let started = ContinuousClock.now
        let outcome = await fetchAndCheck(source: source, target: target)
        let elapsed = ContinuousClock.now - started
        LinkbackMetrics.verification(
            outcome: outcome, seconds: elapsed.inSeconds)
        return outcome
    }

    private func fetchAndCheck(source: URL, target: URL) async -> VerificationOutcome {
        // Without the budget, verifications that fetch faster than the parse threads parse would
        // pile their pages up in memory.
        var held = 0
        if let memory {
            do { try await memory.acquire(fetchReservation) } catch { return .timedOut }
            held = fetchReservation
        }
        defer { memory?.release(held) }
        let resource: FetchedResource
        do {
            resource = try await fetcher.fetch(source)
        } catch {
            return VerificationOutcome(error)
        }
        let needed = min(held, resource.body.capacity)
        memory?.release(held - needed)
        held = needed
        return await WorkPool.run(on: pool) { check(resource, target: target) }
    }

    /// The link check on an already fetched resource. Found content comes back safe to store
    /// (``MentionContent/safe(baseURL:)``), whatever the media type.
    public func check(_ resource: FetchedResource, target: URL) -> VerificationOutcome {
        let outcome = examine(resource, target: target)
        if case .linkFound(let content, let text) = outcome { return .linkFound(content.safe(baseURL: resource.url), text: text) }
        return outcome
    }

    private func examine(_ resource: FetchedResource, target: URL) -> VerificationOutcome {
        let matcher = TargetMatcher(target: target, lenient: lenientMatch)
        let type = resource.mediaType ?? "text/html"
        switch type {
        case "text/html", "application/xhtml+xml":
            let document = HTMLDocument(resource)
            if Self.saysGone(document) { return .gone }
            guard let link = LinkFinder.links(in: document, matching: matcher).first else {
                // A challenge page served with 200 (Anubis does): not a page without the link.
                return BotChallenge.provider(body: resource.body).map(VerificationOutcome.challenged) ?? .noLink
            }
            let extractor = MentionExtractor(
                document: document, source: resource.url, matcher: matcher, maxContentLength: maxContentLength,
                budget: extractionBudget)
            let extraction = extractor.extract(link: link)
            if extraction.budgetExceeded {
                logger.warning(
                    "extraction budget exceeded; stored as a plain mention",
                    metadata: ["source": "\(resource.url.absoluteString)", "steps": "\(extraction.steps)"])
            }
            return .linkFound(
                extraction.content,
                text: SourceText(Shingles(extraction.mainText), traits: PageTraits.of(document, mainText: extraction.mainText)))
        case "application/json", _ where type.hasSuffix("+json"):
            guard LinkFinder.jsonContainsLink(resource.body, matching: matcher) else { return .noLink }
            return .linkFound(MentionContent(type: .mention, authorName: resource.url.host))
        case "text/plain":
            let text = String(decoding: resource.body, as: UTF8.self)
            guard LinkFinder.textContainsLink(text, matching: matcher) else { return .noLink }
            return .linkFound(
                MentionContent(type: .mention, excerpt: Self.textExcerpt(text, target: target), authorName: resource.url.host),
                text: SourceText(Shingles(text)))
        default:
            return .unsupportedContentType(type)
        }
    }

    /// `<meta http-equiv="Status" content="410 Gone">`.
    package static func saysGone(_ document: HTMLDocument) -> Bool {
        document.root.firstDescendant { meta in
            meta.name == "meta" && meta[attribute: "http-equiv"]?.lowercased() == "status"
                && (meta[attribute: "content"]?.trimmingHTMLWhitespace().hasPrefix("410") ?? false)
        } != nil
    }

    private static func textExcerpt(_ text: String, target: URL) -> String? {
        let flat = text.collapsingWhitespace()
        guard let range = flat.range(of: target.absoluteString) else { return nil }
        let before = String(flat[..<range.lowerBound].suffix(Excerpt.context))
        let after = String(flat[range.upperBound...].prefix(Excerpt.context))
        let body = before + String(flat[range]) + after
        return "[…] " + body.trimmingHTMLWhitespace() + " […]"
    }
}

extension VerificationOutcome {
    /// A fetch that failed, as a verification outcome.
    package init(_ failure: FetchFailure) {
        switch failure {
        case .invalidURL(let reason): self = .invalidSource(reason)
        case .blockedAddress(let reason): self = .blockedAddress(reason)
        case .gone: self = .gone
        case .notFound(let status): self = .notFound(status: status)
        case .serverError(let status): self = .serverError(status: status)
        case .tooLarge(let limit): self = .tooLarge(limit: limit)
        case .timedOut: self = .timedOut
        case .tooManyRedirects(let limit): self = .tooManyRedirects(limit: limit)
        case .networkError(let reason): self = .networkError(reason)
        case .hostRateLimited(let host): self = .rateLimited(host)
        case .challenged(let provider): self = .challenged(provider)
        }
    }
}
