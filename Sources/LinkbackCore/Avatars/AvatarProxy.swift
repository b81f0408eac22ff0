import Crypto
import Foundation
import LinkbackKit
import LinkbackStore
import Logging

/// `api.avatars: proxy`: an author's photo is fetched once when their mention is verified,
/// through the guarded fetcher within `avatars.max_bytes`; kept only when its bytes are an image
/// (``ImageSniffer``: PNG, JPEG, GIF, WebP, AVIF, whatever the header or name says) within
/// `avatars.max_pixels`; stored under the SHA-256 of its bytes; and the mention then names it on
/// this server (`/avatars/<hash>.<ext>`), so every read path, the widget included, points readers'
/// browsers here and never at the author's host. A photo that fails a check is dropped (the
/// widget shows the initial). A URL is fetched again after a day (a re-check refreshes it).
public final class AvatarProxy: Sendable {
    public let settings: Config.Avatars
    /// `server.base_url` + `/avatars/`.
    public let prefix: String
    private let fetcher: GuardedFetcher
    private let logger: Logger
    /// Photo URL → what it became (the local URL, or `nil`: dropped) and when.
    private let seen = Locked<[String: (local: String?, at: Date)]>([:])
    private let clock: any WallClock
    static let memory: TimeInterval = 86_400
    static let remembered = 10_000
    /// Photos fetched for one mention at most (its author's first, then its nested comments'
    /// authors'): a source listing fifty comments must not make fifty fetches. Those beyond are
    /// dropped, never left pointing at their hosts.
    public static let perMention = 8

    public init(config: Config, logger: Logger, clock: any WallClock = SystemClock()) {
        settings = config.avatars
        prefix = config.server.baseURL + "/avatars/"
        var limits = FetchLimits(config.fetch)
        limits.maxBytes = config.avatars.maxBytes
        fetcher = GuardedFetcher(limits: limits, userAgent: GuardedFetcher.userAgent(baseURL: config.server.baseURL))
        (self.logger, self.clock) = (logger, clock)
    }

    /// `content` with its author's (and its nested comments' authors') photos served from here.
    public func localize(_ content: MentionContent) async -> MentionContent {
        var content = content
        var fetches = 0
        func next(_ url: String?) async -> String? {
            guard url != nil else { return nil }
            fetches += 1
            return fetches <= Self.perMention ? await local(url) : nil
        }
        content.authorPhoto = await next(content.authorPhoto)
        if var children = content.children {
            for index in children.indices { children[index].authorPhoto = await next(children[index].authorPhoto) }
            content.children = children
        }
        return content
    }

    /// The local URL of the photo at `url`; `nil` when there is none or it failed a check.
    func local(_ url: String?) async -> String? {
        guard let url, !url.hasPrefix(prefix) else { return url }
        let now = clock.now()
        if let known = seen.withLock({ $0[url] }), now.timeIntervalSince(known.at) < Self.memory { return known.local }
        let local = await fetch(url)
        seen.withLock { seen in
            if seen.count >= Self.remembered { seen.removeAll(keepingCapacity: true) }
            seen[url] = (local, now)
        }
        return local
    }

    private func fetch(_ text: String) async -> String? {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else { return nil }
        let resource: FetchedResource
        do {
            resource = try await fetcher.fetch(url, headers: [("Accept", "image/avif,image/webp,image/png,image/jpeg,image/gif")])
        } catch {
            logger.info("avatar dropped", metadata: ["url": "\(text)", "why": "\(error)"])
            return nil
        }
        guard let image = ImageSniffer.sniff(resource.body) else {
            logger.info("avatar dropped", metadata: ["url": "\(text)", "why": "not a PNG, JPEG, GIF, WebP or AVIF image"])
            return nil
        }
        guard image.width.multipliedReportingOverflow(by: image.height).partialValue <= settings.maxPixels,
            image.width <= settings.maxPixels, image.height <= settings.maxPixels
        else {
            logger.info("avatar dropped", metadata: ["url": "\(text)", "why": "\(image.width)×\(image.height) pixels (avatars.max_pixels)"])
            return nil
        }
        let name = SHA256.hash(data: resource.body).hexString + "." + image.format.fileExtension
        do {
            try store(resource.body, as: name)
        } catch {
            logger.error("cannot keep an avatar", metadata: ["directory": "\(settings.directory)", "error": "\(error)"])
            return nil
        }
        return prefix + name
    }

    /// Writes a photo's file once (its name is its hash), atomically.
    private func store(_ bytes: [UInt8], as name: String) throws {
        let path = settings.directory + "/" + name
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.createDirectory(atPath: settings.directory, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// A kept photo by its file name (`<64 hex>.<ext>`), with its format; `nil` for any other name.
    public static func file(named name: String, in directory: String) -> (path: String, format: ImageSniffer.Format)? {
        let parts = name.split(separator: ".")
        guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
            let format = ImageSniffer.Format(fileExtension: String(parts[1]))
        else { return nil }
        return (directory + "/" + name, format)
    }

    /// The file names `texts` (stored author photos and nested comments, JSON that may write `\/`)
    /// refer to.
    public static func names(in texts: [String]) -> Set<String> {
        var names: Set<String> = []
        for text in texts {
            let text = text.replacingOccurrences(of: "\\/", with: "/")
            var rest = text[...]
            while let found = rest.range(of: "/avatars/") {
                let name = rest[found.upperBound...].prefix { $0.isHexDigit || $0 == "." || $0.isLetter }
                if file(named: String(name), in: "") != nil { names.insert(String(name)) }
                rest = rest[found.upperBound...]
            }
        }
        return names
    }

    /// Removes the kept photos no mention in `store` names any more; returns how many.
    public static func sweep(directory: String, store: any MentionRecords) async throws -> Int {
        sweep(directory: directory, referenced: names(in: try await store.avatarReferences()))
    }

    /// Removes the kept photos not in `referenced`; returns how many.
    static func sweep(directory: String, referenced: Set<String>) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed = 0
        for name in files where file(named: name, in: directory) != nil && !referenced.contains(name) {
            if (try? FileManager.default.removeItem(atPath: directory + "/" + name)) != nil { removed += 1 }
        }
        return removed
    }
}
