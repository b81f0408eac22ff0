import Foundation
import Testing

@testable import LinkbackKit

/// The subscribed lists' formats, as their publishers write them, and the index a source is
/// checked against.
@Suite struct BlocklistTests {
    @Test func domainListsReadPlainHostsFileAndAdblockLines() {
        let text = """
            # swyxio/domainblocklist style
            spam-farm.example
            Casino.Example.   # trailing dot and case
            *.pills.example
            0.0.0.0 hosts-file.example
            ||adblock.example^
            not a domain line
            192.0.2.1
            localhost
            spam-farm.example
            """
        let entries = BlocklistEntries.parse(text, format: .domains)
        #expect(entries.domains == ["spam-farm.example", "casino.example", "pills.example", "hosts-file.example", "adblock.example"])
        #expect(entries.words.isEmpty)
    }

    @Test func mastodonExportsKeepSuspendAndSilenceRows() {
        let text = """
            #domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
            bad.example,suspend,false,false,"spam, lots of it",false
            noisy.example,silence,false,false,,false
            fine.example,noop,false,false,,false
            hid*en.example,suspend,false,false,,true
            """
        #expect(BlocklistEntries.parse(text, format: .mastodonCSV).domains == ["bad.example", "noisy.example"])
        #expect(BlocklistEntries.csvFields(#"a,"b, c",d"#) == ["a", "b, c", "d"])
    }

    @Test func wordpressListsGiveWordsAndDomains() {
        let text = "viagra\nsex\ncasino-bonus\nonline casino\nspammer@example.com\nfarm.example\n-online\nPills\n"
        let entries = BlocklistEntries.parse(text, format: .wordpress)
        #expect(entries.words == ["viagra", "pills"], "short words, phrases, addresses and punctuation are left out")
        #expect(entries.domains == ["farm.example"])
    }

    @Test func theStoredFormReadsBack() {
        let entries = BlocklistEntries(domains: ["a.example", "b.example"], words: ["viagra"])
        #expect(BlocklistEntries(stored: entries.stored) == entries)
        #expect(BlocklistEntries(stored: "") == BlocklistEntries())
    }

    @Test func aSourceMatchesByDomainParentDomainOrWholeWord() throws {
        let lists = SubscribedBlocklists([
            ("https://lists.example/a", BlocklistEntries(domains: ["farm.example"], words: ["viagra"])),
            ("https://lists.example/b", BlocklistEntries(domains: ["farm.example", "other.example"])),
        ])
        func match(_ source: String) -> String? {
            lists.match(URL(string: source)!).map { "\($0.kind) \($0.value) \($0.list)" }
        }
        #expect(match("https://farm.example/post") == "domain farm.example https://lists.example/a", "the first list that names it")
        #expect(match("https://www.blog.farm.example/post") == "domain farm.example https://lists.example/a")
        #expect(match("https://notfarm.example/post") == nil)
        #expect(match("https://other.example/") == "domain other.example https://lists.example/b")
        #expect(match("https://cheap-viagra.example/") == "word viagra https://lists.example/a")
        #expect(match("https://blog.example/2026/buy-viagra-now") == "word viagra https://lists.example/a")
        #expect(match("https://viagrastore.example/") == nil, "whole words only")
        #expect(lists.count == 3)
        #expect(SubscribedBlocklists().match(URL(string: "https://farm.example/")!) == nil)
    }

    @Test func aListIsCutAtItsCap() {
        let text = (0..<(BlocklistEntries.maxEntries + 10)).map { "d\($0).example" }.joined(separator: "\n")
        #expect(BlocklistEntries.parse(text, format: .domains).count == BlocklistEntries.maxEntries)
    }
}
