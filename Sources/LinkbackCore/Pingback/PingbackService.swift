import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// What a pingback request produced: the answer, and the rejection-log reason when the client
/// was at fault.
public struct PingbackResult: Sendable, Equatable {
    public var answer: Result<XMLRPCValue, XMLRPCFault>
    /// `nil` for successes and for our own or the source server's trouble (fault 50).
    public var rejection: RejectionReason?
    public var source: String?
    public var target: String?

    public init(
        answer: Result<XMLRPCValue, XMLRPCFault>, rejection: RejectionReason? = nil, source: String? = nil,
        target: String? = nil
    ) {
        self.answer = answer
        self.rejection = rejection
        self.source = source
        self.target = target
    }

    /// The fault as sent: with `collapse`, every fault but 48 becomes code 0 with an empty string
    /// (WordPress's defence against pingback port scanning); the real code is still logged.
    public func wireAnswer(collapse: Bool) -> Result<XMLRPCValue, XMLRPCFault> {
        guard collapse, case .failure(let fault) = answer, fault.code != PingbackService.alreadyRegistered else {
            return answer
        }
        return .failure(XMLRPCFault(0, ""))
    }
}

/// The XML-RPC pingback endpoint's logic: `pingback.ping` with synchronous verification,
/// `pingback.extensions.getPingbacks`, and `system.listMethods`. Knows nothing of HTTP.
public final class PingbackService: Sendable {
    public static let genericFault = 0
    public static let sourceNotFound = 16
    public static let noLink = 17
    public static let targetNotFound = 32
    public static let targetNotSupported = 33
    public static let alreadyRegistered = 48
    public static let accessDenied = 49
    public static let upstreamTrouble = 50

    public static let methods = ["pingback.ping", "pingback.extensions.getPingbacks", "system.listMethods"]

    let receiver: MentionReceiver
    let store: any MentionRecords
    let verifier: Verifier
    let policy: VerificationPolicy
    let enabled: Bool
    let maxConcurrent: Int
    /// Blocks the source of a pingback that links to a trap target.
    let traps: Traps?
    let logger: Logger
    private let running = Locked(0)

    public init(
        receiver: MentionReceiver, store: any MentionRecords, verifier: Verifier, policy: VerificationPolicy, enabled: Bool,
        maxConcurrentVerifications: Int, traps: Traps? = nil, logger: Logger
    ) {
        self.traps = traps
        self.receiver = receiver
        self.store = store
        self.verifier = verifier
        self.policy = policy
        self.enabled = enabled
        self.maxConcurrent = maxConcurrentVerifications
        self.logger = logger
    }

    /// Decodes and answers one XML-RPC request body.
    public func handle(_ body: [UInt8], clientIP: IPAddress?, userAgent: String?) async -> PingbackResult {
        let call: XMLRPCCall
        do {
            call = try XMLRPCDecoder.decode(body)
        } catch {
            return PingbackResult(answer: .failure(error), rejection: error.code == -32700 ? .malformedXML : .invalidRequest)
        }
        switch call.method {
        case "pingback.ping":
            return await ping(call.params, clientIP: clientIP, userAgent: userAgent)
        case "pingback.extensions.getPingbacks":
            return await pingbacks(call.params)
        case "system.listMethods":
            guard call.params.isEmpty else { return invalidParams("system.listMethods takes no parameters") }
            return PingbackResult(answer: .success(.array(Self.methods.map(XMLRPCValue.string))))
        default:
            return PingbackResult(answer: .failure(.methodNotFound(String(call.method.prefix(100)))), rejection: .unknownMethod)
        }
    }

    private func invalidParams(_ why: String) -> PingbackResult {
        PingbackResult(answer: .failure(.invalidParams(why)), rejection: .invalidParams)
    }

    private func ping(_ params: [XMLRPCValue], clientIP: IPAddress?, userAgent: String?) async -> PingbackResult {
        guard params.count == 2, let source = params[0].string, let target = params[1].string else {
            return invalidParams("pingback.ping takes two strings, sourceURI and targetURI")
        }
        func fail(_ code: Int, _ message: String, _ reason: RejectionReason?) -> PingbackResult {
            PingbackResult(answer: .failure(XMLRPCFault(code, message)), rejection: reason, source: source, target: target)
        }
        guard enabled else { return fail(Self.targetNotSupported, "pingbacks are not accepted here", .targetNotSupported) }
        let pair: CheckedPair
        switch await receiver.validate(source: source, target: target) {
        case .success(let checked): pair = checked
        case .failure(let failure):
            let code: Int
            switch failure {
            case .missingParameter: return invalidParams(failure.message)
            case .invalidSource: code = Self.sourceNotFound
            case .invalidTarget, .targetNotSupported, .targetClosed: code = Self.targetNotSupported
            case .sameURL: code = Self.genericFault
            case .targetNotFound: code = Self.targetNotFound
            case .targetUnavailable, .storeUnavailable, .busy: return fail(Self.upstreamTrouble, failure.message, nil)
            case .blockedSource, .forgotten, .rateLimited, .vouchRequired, .invalidVouch, .noTokenEndpoint, .invalidCode:
                code = Self.accessDenied
            case .sourceNotFound: code = Self.sourceNotFound
            case .noLink: code = Self.noLink
            }
            return fail(code, failure.message, failure.rejectionReason)
        }
        let sourceText = pair.source.absoluteString
        let targetText = pair.target.absoluteString
        let existing: Mention?
        do {
            existing = try await store.mention(source: sourceText, target: targetText)
        } catch {
            return fail(Self.upstreamTrouble, "the mention store is not available", nil)
        }
        // Registered means visible or waiting for a moderator (or being verified). A pair stored
        // only as rejected, spam or deleted is verified again as an update, as a re-sent
        // webmention would be; a moderator's decision still sticks (the policy keeps it).
        if let existing, [.pending, .approved, .queued].contains(existing.status) {
            return fail(Self.alreadyRegistered, "the pingback has already been registered", .alreadyRegistered)
        }
        // Before the fetch, so the same pair sent again and again costs nothing (the store
        // checks again, atomically, when it writes).
        let pairInterval = receiver.spam?.pairInterval ?? 0
        func tooSoon(_ seconds: Int) -> PingbackResult {
            let failure = MentionCheckFailure.rateLimited(seconds)
            return fail(Self.accessDenied, failure.message, failure.rejectionReason)
        }
        if let wait = existing?.pairWait(interval: pairInterval, now: receiver.clock.now()) { return tooSoon(wait) }
        // Vouch: a pingback cannot carry one, so one from an unknown domain is refused before the
        // fetch, or held for a moderator once verified (`vouch.pingback_unknown`).
        var holdForModerator = false
        if let vouch = receiver.vouch, await vouch.needsVouch(source: pair.source) {
            guard vouch.pingbackPolicy == .moderate else {
                return fail(
                    Self.accessDenied, "pingbacks from domains this site does not know are not accepted; "
                        + "send a webmention with a vouch instead", .vouchRequired)
            }
            holdForModerator = true
        }
        guard acquire() else {
            return fail(Self.upstreamTrouble, "too many pingbacks are being verified; try again later", nil)
        }
        let outcome = await verifier.verify(source: pair.source, target: pair.targetAsSent ?? pair.target)
        // Copy detection may fetch the post: within the slot, so pingbacks never fetch more at
        // once than `max_concurrent_verifications` allows.
        let signals = await policy.signals(
            source: sourceText, target: targetText, outcome: outcome, existing: existing, protocol: .pingback)
        release()
        switch outcome {
        case .linkFound(let content, _):
            let registered = PingbackResult(
                answer: .success(.string("Pingback from \(sourceText) to \(targetText) registered. Keep the web talking! :-)")),
                source: source, target: target)
            let incoming = pair.incoming(protocol: .pingback, clientIP: clientIP, userAgent: userAgent, pairInterval: pairInterval)
            switch policy.discard(target: targetText, existing: existing, content: content) {
            case .dropped?:
                // Answered as any registered pingback; nothing is kept.
                logger.info("pingback dropped by the owner's policy", metadata: ["source": "\(sourceText)", "target": "\(targetText)"])
                return registered
            case .aggregated(let type)?:
                do {
                    try await store.aggregate(incoming, type: type)
                } catch {
                    return fail(Self.upstreamTrouble, "the pingback could not be stored", nil)
                }
                // Who sent it is not kept, not even in the log.
                logger.info("pingback counted by the owner's policy", metadata: ["target": "\(targetText)", "type": "\(type.rawValue)"])
                return registered
            default: break
            }
            do {
                let stored = try await policy.storeVerified(
                    incoming, content: content, signals: signals, existing: existing, in: store, actor: .server,
                    adjust: { holdForModerator && $0 == .approved ? .pending : $0 })
                logger.info("pingback registered", metadata: ["source": "\(sourceText)", "target": "\(targetText)", "status": "\(stored.status.rawValue)"])
                if policy.sprangTrap(stored) {
                    await traps?.sprung(by: stored)
                    return fail(Self.targetNotSupported, "the target cannot take pingbacks", .trap)
                }
            } catch StoreError.tooSoon(_, let seconds) {
                return tooSoon(seconds)
            } catch {
                return fail(Self.upstreamTrouble, "the pingback could not be stored", nil)
            }
            return registered
        case .noLink, .unsupportedContentType:
            return fail(Self.noLink, "the source URI does not contain a link to the target URI", .noLink)
        case .gone, .notFound, .tooManyRedirects, .tooLarge:
            return fail(Self.sourceNotFound, "the source URI does not exist: \(outcome.description)", VerificationPolicy.rejectionReason(for: outcome))
        case .blockedAddress, .invalidSource:
            return fail(Self.sourceNotFound, "the source URI cannot be fetched: \(outcome.description)", .invalidURL)
        case .serverError, .timedOut, .networkError:
            return fail(Self.upstreamTrouble, "could not reach the source: \(outcome.description)", nil)
        case .challenged:
            // Told as it is: not "no link" (WordPress plugin #467). Nothing is stored: a pingback
            // cannot be told later what became of it.
            return fail(Self.upstreamTrouble, "could not verify: \(outcome.description)", nil)
        case .rateLimited:
            // Many pings naming one source host: possibly someone using us to flood it.
            return fail(Self.upstreamTrouble, outcome.description, .rateLimited)
        }
    }

    private func pingbacks(_ params: [XMLRPCValue]) async -> PingbackResult {
        guard params.count == 1, let text = params[0].string else {
            return invalidParams("pingback.extensions.getPingbacks takes one string, the URL")
        }
        guard case .success(let url) = MentionCheck.parse(text) else {
            return PingbackResult(answer: .failure(XMLRPCFault(Self.targetNotFound, "the URL is not valid")), rejection: .invalidURL)
        }
        guard receiver.check.site(of: url) != nil else {
            return PingbackResult(
                answer: .failure(XMLRPCFault(Self.targetNotSupported, "this server does not accept pingbacks for that URL")),
                rejection: .targetNotSupported)
        }
        do {
            let approved = try await store.list(
                MentionQuery(statuses: [.approved], target: url.absoluteString, limit: 1000, includePrivate: false))
            return PingbackResult(answer: .success(.array(approved.map { .string($0.source) })))
        } catch {
            return PingbackResult(answer: .failure(XMLRPCFault(Self.upstreamTrouble, "the mention store is not available")))
        }
    }

    private func acquire() -> Bool {
        running.withLock { count in
            guard count < maxConcurrent else { return false }
            count += 1
            return true
        }
    }

    private func release() {
        running.withLock { $0 -= 1 }
    }
}
