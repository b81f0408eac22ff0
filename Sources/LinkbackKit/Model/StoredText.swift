import Foundation

/// Text from outside (fetched pages, imports) as it may be stored and shown: without control
/// characters that could rewrite a moderator's terminal or reorder what a reader sees.
///
/// Applied after decoding, whatever the page's charset (a UTF-7 page decodes to ESC and BEL only
/// then), to every stored text field (see ``MentionContent/cleaned()``).
public enum StoredText {
    /// Removes C0 controls (keeping tab and line feed when `multiline`, else turning them into
    /// spaces), DEL, C1 controls, and the bidirectional embedding, override and isolate
    /// characters (U+202A–U+202E, U+2066–U+2069).
    public static func cleaned(_ text: String, multiline: Bool = false) -> String {
        // On UTF-8 bytes (scalar by scalar it was a twentieth of a page's check): C0 and DEL are
        // single bytes, C1 is C2 80–9F, the bidirectional controls E2 80 AA–AE and E2 81 A6–A9.
        // The text is copied a run at a time, and only once something in it changes.
        var text = text
        return text.withUTF8 { bytes in
            var output: [UInt8] = []
            var index = 0
            var run = 0
            while index < bytes.count {
                let byte = bytes[index]
                var length = 1
                var replacement: UInt8?
                if byte >= 0x20 && byte != 0x7F && byte != 0xC2 && byte != 0xE2 {
                    index += 1
                    continue
                } else if byte == 0x09 || byte == 0x0A {
                    guard !multiline else {
                        index += 1
                        continue
                    }
                    replacement = 0x20
                } else if byte < 0x20 || byte == 0x7F {
                    // dropped
                } else if byte == 0xC2, index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) {
                    length = 2
                } else if byte == 0xE2, index + 2 < bytes.count,
                    (bytes[index + 1] == 0x80 && (0xAA...0xAE).contains(bytes[index + 2]))
                        || (bytes[index + 1] == 0x81 && (0xA6...0xA9).contains(bytes[index + 2]))
                {
                    length = 3
                } else {
                    index += 1
                    continue
                }
                if output.isEmpty { output.reserveCapacity(bytes.count) }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                if let replacement { output.append(replacement) }
                index += length
                run = index
            }
            guard run > 0 else { return nil }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
            return String(decoding: output, as: UTF8.self)
        } ?? text
    }

    /// At most `limit` characters: longer text is cut and ends with "…".
    public static func capped(_ text: String, _ limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(max(0, limit - 1))) + "…"
    }

    /// The most a stored field holds, in characters, whatever a page or an import says (review
    /// F11: ~1 MB per spam mention otherwise). Content is cut by `verification.max_content_length`
    /// where it is extracted; these bound everything else.
    public enum Limit {
        public static let name = 500
        public static let url = 2048
        public static let date = 64
        public static let rsvp = 32
        /// Content text or HTML that reached storage another way (an import).
        public static let content = 65_536
        public static let children = 50
    }

    /// `text` with every unsafe character written out as `\u{XX}`, for printing to a terminal.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0) }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// C0 (tab and line feed included), DEL, C1, bidi embeddings, overrides and isolates.
    package static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }
}

extension MentionContent {
    /// Every text field through ``StoredText/cleaned(_:multiline:)`` (the content text and HTML
    /// keep their line breaks) and within its ``StoredText/Limit``: a URL longer than its limit
    /// is dropped rather than cut (a cut URL points elsewhere), at most 50 children.
    public func cleaned() -> MentionContent {
        typealias Limit = StoredText.Limit
        func line(_ text: String?, _ limit: Int = Limit.name) -> String? {
            text.map { StoredText.capped(StoredText.cleaned($0), limit) }
        }
        func url(_ text: String?) -> String? { text.flatMap { $0.count <= Limit.url ? StoredText.cleaned($0) : nil } }
        func block(_ text: String?) -> String? {
            text.map { StoredText.capped(StoredText.cleaned($0, multiline: true), Limit.content) }
        }
        var copy = self
        copy.rsvp = line(rsvp, Limit.rsvp)
        copy.title = line(title)
        copy.excerpt = line(excerpt, Limit.content)
        copy.contentHTML = contentHTML.map { StoredText.cleaned($0, multiline: true) }
        copy.contentText = block(contentText)
        copy.authorName = line(authorName)
        copy.authorURL = url(authorURL)
        copy.authorPhoto = url(authorPhoto)
        copy.published = line(published, Limit.date)
        copy.children = children.map { Array($0.prefix(Limit.children)) }?.map { child in
            var copy = child
            copy.url = url(child.url)
            copy.name = line(child.name)
            copy.contentHTML = child.contentHTML.map { StoredText.cleaned($0, multiline: true) }
            copy.contentText = block(child.contentText)
            copy.authorName = line(child.authorName)
            copy.authorURL = url(child.authorURL)
            copy.authorPhoto = url(child.authorPhoto)
            copy.published = line(child.published, Limit.date)
            return copy
        }
        return copy
    }
}

extension MentionContent {
    /// What every mention's content goes through before it is stored, fetched or imported alike:
    /// author URL and photo kept only as http(s) URLs (resolved against `baseURL`, so no
    /// `javascript:` link is ever republished), and every text field ``cleaned()``. (HTML content
    /// is sanitised where it is made, by ``HTMLSanitizer``.)
    public func safe(baseURL: URL?) -> MentionContent {
        var copy = cleaned()
        let sanitizer = HTMLSanitizer(baseURL: baseURL)
        copy.authorURL = copy.authorURL.flatMap(sanitizer.safeURL)
        copy.authorPhoto = copy.authorPhoto.flatMap(sanitizer.safeURL)
        copy.children = copy.children?.map { child in
            var safe = child
            safe.url = child.url.flatMap(sanitizer.safeURL)
            safe.authorURL = child.authorURL.flatMap(sanitizer.safeURL)
            safe.authorPhoto = child.authorPhoto.flatMap(sanitizer.safeURL)
            return safe
        }
        return copy
    }
}
