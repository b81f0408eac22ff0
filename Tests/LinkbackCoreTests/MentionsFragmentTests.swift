import Foundation
import LinkbackCore
import LinkbackKit
import Testing

/// The one rendering of a post's mentions (`/api/mentions.html`, shown by the widget too).
@Suite struct MentionsFragmentTests {
    func mention(_ id: Int64, _ content: MentionContent) -> Mention {
        Mention(
            id: id, token: "t\(id)", source: "https://s\(id).example/p", target: "https://blog.example/p", site: "blog.example", protocol: .webmention,
            status: .approved, received: Date(timeIntervalSince1970: 1_780_000_000), updated: Date(timeIntervalSince1970: 1_780_000_000),
            content: content)
    }

    @Test func contentIsShownWithoutPicturesAndWithItsLinksMarked() {
        let stored = #"<p>See <a href="https://x.example/?a=1&amp;b=2" title="a > b">this</a> <img src="https://t.example/pixel.gif" alt="x > y">"#
            + #"and <IMG src="https://t.example/2.gif"> <em>that</em></p>"#
        #expect(MentionsFragment.shown(stored)
            == #"<p>See <a rel="nofollow ugc noopener" href="https://x.example/?a=1&amp;b=2" title="a > b">this</a> and  <em>that</em></p>"#)
        #expect(MentionsFragment.shown("<p>plain &lt;img&gt; text</p>") == "<p>plain &lt;img&gt; text</p>")
        // An <abbr> is not an <a>.
        #expect(MentionsFragment.shown(#"<abbr title="t">T</abbr>"#) == #"<abbr title="t">T</abbr>"#)
    }

    @Test func aDateIsTheDayItWasWrittenInTheReadersLanguage() {
        let english = MentionsWording.english
        // Half past midnight in Berlin is still the 6th there, though the 5th in UTC.
        #expect(english.date("2026-12-06T00:30:00+01:00") == "Dec 6, 2026")
        #expect(english.date("2026-12-05T23:30:00Z") == "Dec 5, 2026")
        #expect(english.date("2026-12-05") == "Dec 5, 2026")
        #expect(english.date("last Tuesday") == nil)
        #expect(MentionsWording(language: "de-CH").date("2026-12-06T10:00:00Z") == "6. Dez. 2026")
        #expect(MentionsWording(language: "nl").language == "nl" && MentionsWording(language: "pt-BR").language == "en")
        #expect(MentionsWording.isLanguageTag("zh-Hant-TW") && !MentionsWording.isLanguageTag("en\"><x") && !MentionsWording.isLanguageTag(""))
    }

    @Test func aPageDrawsPilesCommentsAndWhatItCannotNest() {
        let like = mention(1, MentionContent(type: .like, authorName: "Ana", authorPhoto: "javascript:alert(1)"))
        let reply = mention(2, MentionContent(type: .reply, contentText: "Hi", authorName: "Ben", published: "2026-12-06T10:00:00Z",
            children: [MentionChild(url: "https://c.example/1", contentText: "me <b>too</b>", authorName: "Cy")]))
        let late = mention(3, MentionContent(type: .reply, contentText: "Re", authorName: "Di"))
        let view = MentionsFragment.View(
            piles: [.init(type: .like, total: 12, faces: [like]), .init(type: .repost, total: 0, faces: [])],
            comments: [reply, late], parents: [3: 9], more: "https://m.example/api/mentions.html?page=1",
            wording: MentionsWording(language: "es"))
        let html = MentionsFragment.render(view)
        // Twelve likes counted, one face; a photo that is no web address is left out.
        #expect(html.contains(#"<h3>Me gusta <span class="linkback-count">12</span></h3>"#), "\(html)")
        #expect(html.contains(#"<span class="linkback-avatar" aria-hidden="true">A</span>"#) && !html.contains("javascript:"))
        #expect(!html.contains("Compartido"))
        #expect(html.contains(#"<li class="linkback-child"><a href="https://c.example/1" rel="nofollow ugc noopener"><span class="linkback-name">Cy</span></a>: me &lt;b&gt;too&lt;/b&gt;</li>"#), "\(html)")
        // Its parent (9) is on another page: the widget moves it there when it is shown.
        #expect(html.contains(#"<li id="mention-3" data-parent="mention-9">"#))
        #expect(html.contains(#"<a class="linkback-more" href="https://m.example/api/mentions.html?page=1" rel="nofollow">Mostrar más</a>"#))
        #expect(!html.contains("linkback-empty"))

        let empty = MentionsFragment.render(MentionsFragment.View(wording: MentionsWording(language: "nl")))
        #expect(empty == #"<section class="linkback" lang="nl"><h2 class="linkback-heading">Vermeldingen</h2><p class="linkback-empty">Nog geen vermeldingen.</p></section>"# + "\n")
    }
}
