import Foundation

/// Where a target page receives mentions, found as the W3C Webmention Recommendation's sending
/// section (3.1.2) requires, with Pingback as the fallback.
public struct Endpoints: Equatable, Sendable {
    /// The Webmention endpoint: the first HTTP `Link` header with `rel` including `webmention`,
    /// else the first `<link>` or `<a>` element with that `rel` and an `href`, in document order;
    /// resolved against the page's URL after redirects (an empty `href` is the page itself),
    /// query string kept.
    public var webmention: URL?
    /// The Pingback server: the `X-Pingback` header, else the first `<link rel="pingback">`.
    public var pingback: URL?

    public init(webmention: URL? = nil, pingback: URL? = nil) {
        self.webmention = webmention
        self.pingback = pingback
    }

    /// The endpoints a fetched target page declares. Only http(s) endpoints count.
    public init(discoveredIn page: FetchedResource) {
        func usable(_ url: URL?) -> URL? {
            guard let url, let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
            else { return nil }
            return url
        }
        for value in page.headers["link"] ?? [] {
            if let link = LinkHeader.parse(value).first(where: { $0.rels.contains("webmention") }),
                let url = usable(URLResolver.resolve(link.reference, against: page.url))
            {
                webmention = url
                break
            }
        }
        pingback = (page.headers["x-pingback"]?.first).flatMap { usable(URLResolver.resolve($0, against: page.url)) }
        let type = page.mediaType ?? "text/html"
        guard type == "text/html" || type == "application/xhtml+xml", webmention == nil || pingback == nil else { return }
        let document = HTMLDocument(bytes: page.body, url: page.url, charset: page.charset)
        func rels(_ element: HTMLElement) -> [String] {
            (element[attribute: "rel"] ?? "").lowercased().split(whereSeparator: \.isHTMLWhitespace).map(String.init)
        }
        for element in document.root.descendants(where: { ($0.name == "link" || $0.name == "a") && $0.has("href") }) {
            let relations = rels(element)
            // Resolved against the page itself, as the Recommendation says (not its `<base>`).
            let resolve = { usable(URLResolver.resolve(element[attribute: "href"] ?? "", against: page.url)) }
            if webmention == nil, relations.contains("webmention") { webmention = resolve() }
            if pingback == nil, element.name == "link", relations.contains("pingback") { pingback = resolve() }
            if webmention != nil, pingback != nil { break }
        }
    }
}
