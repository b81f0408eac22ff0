import Foundation
import LinkbackKit

/// The links a post makes: what `linkback send` sends mentions for.
public enum SourceLinks {
    /// The distinct http(s) URLs that `a` and `area` elements link to inside the page's first
    /// `h-entry` (the whole page when it has none), in document order, in canonical form without
    /// fragments; links to the page itself and links inside scripts, templates and other inert
    /// elements are left out.
    public static func targets(of page: FetchedResource) -> [URL] {
        guard page.isHTML else { return [] }
        let document = HTMLDocument(page)
        let entry = document.root.firstDescendant { $0.classNames.contains("h-entry") } ?? document.root
        let own = CanonicalURL.string(page.url)
        var seen: Set<String> = []
        var targets: [URL] = []
        var stack: [HTMLElement] = [entry]
        while let element = stack.popLast() {
            if LinkFinder.inertElements.contains(element.name) { continue }
            if element.name == "a" || element.name == "area", let href = element[attribute: "href"],
                let resolved = document.resolve(href), case .success(let url) = MentionCheck.parse(resolved.absoluteString)
            {
                let text = url.absoluteString
                if text != own, seen.insert(text).inserted { targets.append(url) }
            }
            element.pushChildElements(onto: &stack)
        }
        return targets
    }
}
