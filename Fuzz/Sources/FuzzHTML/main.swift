import Foundation
import LinkbackKit

// A fetched page of any bytes through the whole verification check (link finding, microformats,
// excerpt, sanitising), then the sanitiser on its own. Invariant: sanitised HTML, parsed again,
// has no script-capable element, no event-handler attribute and no script URL.
let target = URL(string: "https://blog.example/posts/1")!
let page = URL(string: "https://source.example/reply")!
let verifier = Verifier(fetcher: NoFetcher())
let sanitizer = HTMLSanitizer(baseURL: page)

struct NoFetcher: SourceFetching {
    func fetch(_ url: URL) async throws(FetchFailure) -> FetchedResource { throw .invalidURL("fuzzing") }
}

/// Stops with the reason printed (a release build drops precondition messages).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        FileHandle.standardError.write(Data(("INVARIANT: " + message() + "\n").utf8))
        abort()
    }
}

let urlAttributes: Set<String> = [
    "href", "src", "cite", "action", "formaction", "poster", "background", "xlink:href", "srcset", "data", "ping",
]

func checkSafe(_ html: String) {
    let document = HTMLDocument(html: "<!DOCTYPE html><html><body>" + html + "</body></html>", url: page)
    for element in document.root.descendants() {
        require(!["script", "style", "iframe", "object", "embed", "form", "svg", "math"].contains(element.name),
            "sanitised output has <\(element.name)>: \(html)")
        for attribute in element.attributes {
            require(!attribute.name.hasPrefix("on"), "sanitised output has \(attribute.name)=: \(html)")
            // Only attributes a browser follows as URLs can run a script URL (found by fuzzing:
            // `<time datetime="vbscript:…">` is inert text).
            guard urlAttributes.contains(attribute.name) else { continue }
            // As a browser reads a URL: controls and spaces anywhere in the scheme do not count.
            let value = String(String.UnicodeScalarView(attribute.value.unicodeScalars.filter { $0.value > 0x20 })).lowercased()
            require(!value.hasPrefix("javascript:") && !value.hasPrefix("vbscript:"),
                "sanitised output has a script URL in \(attribute.name): \(html)")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    let resource = FetchedResource(url: page, status: 200, mediaType: "text/html", charset: nil, body: bytes)
    if case .linkFound(let content, _) = verifier.check(resource, target: target), let html = content.contentHTML {
        checkSafe(html)
    }
    checkSafe(sanitizer.sanitize(html: String(decoding: bytes, as: UTF8.self)))
    return 0
}
