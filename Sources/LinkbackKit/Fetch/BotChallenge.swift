/// Recognises a page that stands between a fetcher and the real page: a bot challenge such as
/// Cloudflare's "Just a moment…", Anubis's proof of work, Vercel's or AWS WAF's checkpoint. Such a
/// source cannot be verified by any program, so it is neither "no link" nor "not found": the
/// mention waits for the owner (`source-challenged`) and is tried again later.
///
/// Headers first (the services that mark their challenges say so: `cf-mitigated: challenge`,
/// `x-vercel-mitigated: challenge`, `x-amzn-waf-action: challenge` or `captcha`), then markers of
/// the challenge pages themselves, looked for in the bytes only when a page was refused (403,
/// 429, 503) or when a page that answered 200 has no link.
public enum BotChallenge {
    /// The statuses a challenge page comes with; only for these is a refused page's body read.
    public static let statuses: Set<Int> = [403, 429, 503]
    /// The most of a refused page's body read to look for markers.
    public static let maxBodyBytes = 64 * 1024

    /// The service whose headers mark a response as a challenge, if any.
    public static func provider(headers: some Sequence<(name: String, value: String)>) -> String? {
        for (name, value) in headers {
            let value = value.lowercased()
            switch name.lowercased() {
            case "cf-mitigated" where value == "challenge": return "cloudflare"
            case "x-vercel-mitigated" where value == "challenge": return "vercel"
            case "x-amzn-waf-action" where value == "challenge" || value == "captcha": return "aws-waf"
            default: continue
            }
        }
        return nil
    }

    /// Markers of the challenge pages, by service: each a string that only their pages carry.
    static let markers: [(provider: String, marker: [UInt8])] = [
        ("cloudflare", Array("/cdn-cgi/challenge-platform/".utf8)),
        ("cloudflare", Array("<title>Just a moment...</title>".utf8)),
        ("anubis", Array("id=\"anubis_challenge\"".utf8)),
        ("anubis", Array("/.within.website/x/cmd/anubis/".utf8)),
        ("vercel", Array("<title>Vercel Security Checkpoint</title>".utf8)),
        ("ddos-guard", Array("/.well-known/ddos-guard/".utf8)),
    ]

    /// The service whose challenge page `body` is, if any (the first ``maxBodyBytes`` are read).
    public static func provider(body: some Collection<UInt8>) -> String? {
        let bytes = Array(body.prefix(maxBodyBytes))
        return bytes.withUnsafeBufferPointer { bytes in markers.first { bytes.contains(bytes: $0.marker) }?.provider }
    }
}
