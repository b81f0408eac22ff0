import Foundation
import LinkbackKit

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
        webmention = DeclaredLink.inHeaders("webmention", of: page)
        pingback = (page.headers["x-pingback"]?.first).flatMap { DeclaredLink.usable(URLResolver.resolve($0, against: page.url)) }
        guard page.isHTML, webmention == nil || pingback == nil else { return }
        let document = HTMLDocument(page)
        if webmention == nil { webmention = DeclaredLink.inDocument("webmention", elements: ["link", "a"], of: document, page) }
        if pingback == nil { pingback = DeclaredLink.inDocument("pingback", elements: ["link"], of: document, page) }
    }
}

/// A URL a page declares for a link relation (`webmention`, `pingback`, `token_endpoint`), in
/// an HTTP `Link` header or in its HTML, resolved against the page's URL after redirects (as the
/// Recommendation says; not its `<base>`). Only http(s) URLs with a host count.
enum DeclaredLink {
    /// The first `Link` header value with `rel` including `relation`.
    static func inHeaders(_ relation: String, of page: FetchedResource) -> URL? {
        for value in page.headers["link"] ?? [] {
            for link in LinkHeader.parse(value) where link.rels.contains(relation) {
                if let url = usable(URLResolver.resolve(link.reference, against: page.url)) { return url }
            }
        }
        return nil
    }

    /// The first of `elements` in document order with an `href` and `rel` including `relation`
    /// (an empty `href` is the page itself).
    static func inDocument(_ relation: String, elements: Set<String>, of document: HTMLDocument, _ page: FetchedResource) -> URL? {
        for element in document.root.descendants(where: { elements.contains($0.name) && $0.has("href") })
        where element.rels.contains(relation) {
            if let url = usable(URLResolver.resolve(element[attribute: "href"] ?? "", against: page.url)) { return url }
        }
        return nil
    }

    static func usable(_ url: URL?) -> URL? {
        guard let url, ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else { return nil }
        return url
    }
}
