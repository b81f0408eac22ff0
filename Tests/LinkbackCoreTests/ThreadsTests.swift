import Foundation
import Testing

@testable import LinkbackCore
@testable import LinkbackKit

/// Which reply answers which (the real server's answer is in ReadAPIEndToEndTests): only on the
/// same page, never itself, and a circle is drawn flat.
@Suite struct ThreadsTests {
    private func reply(_ id: Int64, _ source: String, target: String = "https://blog.example/p", answers: [String]? = nil) -> Mention {
        Mention(
            id: id, token: "t\(id)", source: source, target: target, site: "blog.example", protocol: .webmention, status: .approved,
            received: Date(timeIntervalSince1970: 0), updated: Date(timeIntervalSince1970: 0),
            content: MentionContent(type: .reply, contentText: "r\(id)", inReplyTo: answers))
    }

    @Test func parentsAreOnTheSamePageAndNeverThemselves() {
        let a = reply(1, "https://a.example/1")
        let b = reply(2, "https://b.example/2", answers: ["https://x.example/unknown", "https://a.example/1"])
        let elsewhere = reply(3, "https://a.example/1", target: "https://blog.example/other")
        let selfish = reply(4, "https://c.example/4", answers: ["https://c.example/4"])
        let byFragment = reply(5, "https://d.example/5", target: "https://blog.example/p#mention-1")
        let wrongPage = reply(6, "https://e.example/6", target: "https://blog.example/q#mention-1")
        let parents = Threads.parents(of: [a, b, selfish, byFragment, wrongPage], candidates: [elsewhere])
        #expect(parents == [2: 1, 5: 1])
        #expect(Threads.answered(by: [a, b]) == ["https://x.example/unknown", "https://a.example/1"])
    }

    @Test func aCircleIsDrawnFlat() {
        let a = reply(1, "https://a.example/1", answers: ["https://b.example/2"])
        let b = reply(2, "https://b.example/2", answers: ["https://a.example/1"])
        let c = reply(3, "https://c.example/3", answers: ["https://b.example/2"])
        let parents = Threads.parents(of: [a, b, c], candidates: [])
        #expect(parents == [1: 2, 2: 1, 3: 2])
        let html = MentionsFragment.render([a, b, c], parents: parents)
        for id in 1...3 { #expect(html.components(separatedBy: #"<li id="mention-\#(id)">"#).count == 2, "\(html)") }
        // The circle is cut where it closes (b is a root, a under it), and c still sits under b.
        let roots = html.components(separatedBy: #"<ol class="linkback-comments">"#)[1]
        #expect(roots.hasPrefix(#"<li id="mention-2">"#), "\(html)")
        #expect(html.components(separatedBy: #"<ol class="linkback-replies">"#).count == 2, "\(html)")
    }
}
