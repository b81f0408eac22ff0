import Foundation
@testable import LinkbackKit
import Testing

/// The spam score's model: the features it reads, the built-in prior on day one, what a decision
/// teaches it, and the bookkeeping that lets a decision be learnt and unlearnt.
@Suite struct SpamModelTests {
    static let reply = MentionContent(
        type: .reply, title: nil, contentText: "Your notes on pruning the apple tree were useful, the orchard thanks you.",
        authorName: "Ann", published: "2026-12-01T10:00:00Z")
    static let casino = MentionContent(
        type: .mention, title: "Best casino bonus",
        excerpt: "Play slots, roulette and blackjack; jackpot poker betting with a casino bonus, cheap pills from our pharmacy.")

    @Test func theFeaturesAreWordsAndShape() {
        let tokens = SpamFeatures.tokens(source: "https://win777.example.xyz/p", protocol: .pingback, content: Self.casino, newDomain: true)
        #expect(tokens.prefix(3) == ["best", "casino", "bonus"])
        #expect(!tokens.contains("and") && !tokens.contains("a"), "common and short words are left out")
        #expect(tokens.filter { $0 == "casino" }.count == 1, "each word once")
        for feature in ["author:none", "date:none", "via:pingback", "type:mention", "tld:xyz", "host:digits", "domain:new"] {
            #expect(tokens.contains(feature), "\(feature)")
        }
        let genuine = SpamFeatures.tokens(source: "https://ann.example/r", protocol: .webmention, content: Self.reply)
        #expect(!genuine.contains { $0.hasPrefix("author:") || $0 == "date:none" || $0 == "via:pingback" })
        #expect(SpamFeatures.tokens(
            source: "https://a.example/", protocol: .webmention,
            content: MentionContent(type: .reply, authorName: "Site Admin")).contains("author:generic"))
        #expect(SpamFeatures.describe("tld:xyz") == "a .xyz domain" && SpamFeatures.describe("casino") == "\"casino\"")
    }

    /// With nothing learnt, the prior alone: a casino page scores high, a reply low.
    @Test func thePriorWorksOnDayOne() {
        let spam = SpamModel.score(
            tokens: SpamFeatures.tokens(source: "https://c.example/", protocol: .pingback, content: Self.casino), learned: [:],
            documents: SpamModel.Counts())
        #expect(spam.value >= 0.95, "\(spam)")
        #expect(spam.reasons.count == 4 && spam.reasons.allSatisfy { $0.hasPrefix("\"") }, "\(spam.reasons)")
        let genuine = SpamModel.score(
            tokens: SpamFeatures.tokens(source: "https://ann.example/", protocol: .webmention, content: Self.reply), learned: [:],
            documents: SpamModel.Counts())
        #expect(genuine.value < 0.2, "\(genuine)")
        #expect(genuine.reasons.isEmpty)
        // Nothing known at all: the base of 0.2.
        #expect(abs(SpamModel.score(tokens: ["unheard"], learned: [:], documents: SpamModel.Counts()).value - 0.2) < 0.001)
    }

    /// Words seen once in spam say little; seen in several spams and no genuine mention, much;
    /// seen in both, little again. (One word alone never holds a mention.)
    @Test func learningMovesWordsByHowOftenTheyWereSeen() {
        let documents = SpamModel.Counts(good: 20, bad: 5)
        func score(_ counts: SpamModel.Counts) -> Double {
            SpamModel.score(tokens: ["widgets", "wholesale"], learned: ["widgets": counts, "wholesale": counts], documents: documents)
                .value
        }
        #expect(SpamModel.score(tokens: ["widgets"], learned: ["widgets": SpamModel.Counts(bad: 4)], documents: documents).value < 0.5)
        #expect(score(SpamModel.Counts(bad: 1)) < 0.5)
        #expect(score(SpamModel.Counts(bad: 4)) > 0.5)
        #expect(score(SpamModel.Counts(good: 4, bad: 4)) < score(SpamModel.Counts(bad: 4)))
        #expect(score(SpamModel.Counts(good: 6)) < 0.2)
    }

    @Test func onlyTheOwnersDecisionsAndApprovalsAreLearnt() {
        #expect(SpamModel.label(status: .approved, decision: nil) == .good)
        #expect(SpamModel.label(status: .approved, decision: .approved) == .good)
        #expect(SpamModel.label(status: .spam, decision: .spam) == .bad)
        #expect(SpamModel.label(status: .rejected, decision: .rejected) == .bad)
        #expect(SpamModel.label(status: .spam, decision: nil) == nil, "the server's own verdict")
        #expect(SpamModel.label(status: .pending, decision: nil) == nil)
        #expect(SpamModel.label(status: .deleted, decision: .deleted) == nil)
    }

    /// A mention learnt as good and then marked spam moves its tokens from one side to the other;
    /// learning the same state again changes nothing.
    @Test func aDecisionMovesTheCounts() {
        let good = SpamModel.Learnt(tokens: ["a", "b"], label: .good)
        let bad = SpamModel.Learnt(tokens: ["b", "c"], label: .bad)
        let deltas = SpamModel.deltas([(good, bad)])
        #expect(deltas["a"] == SpamModel.Counts(good: -1, bad: 0))
        #expect(deltas["b"] == SpamModel.Counts(good: -1, bad: 1))
        #expect(deltas["c"] == SpamModel.Counts(good: 0, bad: 1))
        #expect(deltas[SpamModel.documentsKey] == SpamModel.Counts(good: -1, bad: 1))
        #expect(SpamModel.deltas([(bad, bad)]).isEmpty)
        #expect(SpamModel.deltas([(SpamModel.Learnt(tokens: [], label: nil), good)])["a"] == SpamModel.Counts(good: 1))
    }

    @Test func thresholdsMayBeOff() {
        let score = Config.Score()
        #expect(score.verdict(0.4) == (false, false))
        #expect(score.verdict(0.6) == (true, false))
        #expect(score.verdict(0.97) == (true, true))
        #expect(Config.Score(holdAt: nil, spamAt: nil).verdict(0.99) == (false, false))
        #expect(Config.Score(enabled: false).verdict(0.99) == (false, false))
        #expect(Config.Score.threshold("off") == nil && Config.Score.threshold("0.7") == 0.7 && Config.Score.threshold("2") == nil)
    }
}

/// The page traits the score reads beside the mention.
@Suite struct PageTraitsTests {
    @Test func aWordPressPageCrowdedWithLinksInGerman() {
        let links = (0..<12).map { "<a href=\"https://x\($0).example/\">x</a>" }.joined(separator: " ")
        let html = """
            <html lang="de-AT"><head><meta name="generator" content="WordPress 6.2"></head>
            <body><p>Ein paar Worte \(links)</p></body></html>
            """
        let document = HTMLDocument(html: html)
        #expect(PageTraits.of(document, mainText: "Ein paar Worte") == ["generator:wordpress", "links:dense", "lang:de"])
        // Twelve links beside 120 words (one per ten) are crowded, beside 121 words not.
        let words = { (count: Int) in Array(repeating: "Wort", count: count).joined(separator: "\u{A0}\n ") }
        #expect(PageTraits.of(document, mainText: words(120)) == ["generator:wordpress", "links:dense", "lang:de"])
        #expect(PageTraits.of(document, mainText: words(121)) == ["generator:wordpress", "lang:de"])
        #expect(PageTraits.of(document, mainText: words(150)) == ["generator:wordpress", "lang:de"])
    }

    /// Words and whitespace counted on scalars and bytes, as the Character-based split did.
    @Test func wordsAndWhitespaceOnBytes() {
        #expect(PageTraits.wordCount("  one\u{A0}two\r\nthree\u{2003}vier ") == 4)
        #expect(PageTraits.wordCount("") == 0 && PageTraits.wordCount(" \n") == 0)
        #expect("\r\n a\t\u{0C}b  c\r\n".collapsingWhitespace() == "a b c")
        #expect("é\u{A0}ü".collapsingWhitespace() == "é\u{A0}ü")
    }

    /// The verifier hands them on with the link it found.
    @Test func theVerifierReportsThem() throws {
        let html = #"<html lang="fr"><head><meta name="generator" content="WordPress 6.4"></head><body><a href="https://blog.example/p">p</a></body></html>"#
        let source = try #require(URL(string: "https://s.example/a"))
        let page = FetchedResource(url: source, status: 200, mediaType: "text/html", charset: "utf-8", body: Array(html.utf8))
        guard case .linkFound(_, let text) = Verifier(config: .defaults).check(page, target: try #require(URL(string: "https://blog.example/p")))
        else {
            Issue.record("the link is there")
            return
        }
        #expect(text.traits == ["generator:wordpress", "lang:fr"])
    }

    @Test func aPlainPageHasNone() {
        let words = Array(repeating: "word", count: 200).joined(separator: " ")
        let html = "<html><body><p>\(words) <a href=\"https://blog.example/\">post</a></p></body></html>"
        #expect(PageTraits.of(HTMLDocument(html: html), mainText: words).isEmpty)
        #expect(SpamFeatures.describe("links:dense") == "crowded with links" && SpamFeatures.describe("lang:de") == "in language de")
    }

    /// Words as the model reads them: lower case by Unicode's mapping (İ becomes i̇, ÉCOLE école),
    /// an apostrophe dropped inside a word, 3 to 24 letters, common words left out.
    @Test func wordsAreLowerCasedLettersWithoutStopwords() {
        #expect(
            SpamFeatures.words("The ÉCOLE don't İstanbul, straße ΣΟΦΊΑ 日本語 ab x-ray supercalifragilisticexpialidocious")
                == ["école", "dont", "i\u{307}stanbul", "straße", "σοφία", "日本語", "ray"])
    }
}
