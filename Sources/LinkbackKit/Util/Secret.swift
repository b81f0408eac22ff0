/// Comparing secrets (API tokens, the admin token), and keeping them out of logs.
public enum Secret {
    /// A configured URL as it may be logged or shown in an error: without user info, and with a
    /// query or fragment reduced to `?…` (where webhook and database URLs carry their secrets).
    /// Works on text that is no valid URL too (a password with `#` in a database URL).
    public static func loggable(url: String) -> String {
        var text = Substring(url)
        var prefix = ""
        if let scheme = text.range(of: "://") {
            prefix = String(text[..<scheme.upperBound])
            text = text[scheme.upperBound...]
            if let userInfo = userInfo(in: url) { text = url[url.index(after: userInfo.upperBound)...] }
        }
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { return prefix + text[..<cut] + "?…" }
        return prefix + text
    }

    /// A notification channel as it may be logged: a mail address as it is, a push URL without
    /// its path (an ntfy topic is the only secret of whoever may post to it).
    public static func loggable(channel: String) -> String {
        if channel.lowercased().hasPrefix("mailto:") { return channel }
        let shown = loggable(url: channel)
        guard let scheme = shown.range(of: "://"), let slash = shown[scheme.upperBound...].firstIndex(of: "/") else { return shown }
        return shown[..<slash] + "/…"
    }

    /// Where a URL's user info (`user:password`) stands, read by hand: it ends at the last `@`,
    /// since a password may hold `/`, `#` or `?` (no valid URL then, but still a secret).
    package static func userInfo(in url: String) -> Range<String.Index>? {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return nil }
        return scheme.upperBound..<at
    }

    /// Compares secrets without stopping at the first difference.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: left.count ^ right.count)
        for index in 0..<max(left.count, right.count) {
            let x = index < left.count ? left[index] : 0
            let y = index < right.count ? right[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
