import Foundation
import Testing

@testable import LinkbackKit

/// The loops that read strings on their UTF-8 bytes give what the scalar and Character walks they
/// replaced gave, on random strings made of what matters to each: ASCII, CR LF, combining marks,
/// two-, three- and four-byte characters, the unsafe controls.
@Suite struct StringBytesTests {
    static let pieces: [String] = [
        "a", "Z", "7", " ", "\t", "\n", "\r", "\r\n", "-", "&", "<", ">", "\"", "'", "é", "e\u{301}", "\u{301}", "ß", "İ", "日",
        "😀", "👍🏽", "\u{1}", "\u{7F}", "\u{85}", "\u{9F}", "\u{A0}", "\u{202A}", "\u{202E}", "\u{2066}", "\u{2069}", "\u{2028}",
        "\u{0663}", "\u{0600}", "\u{FFFD}",
    ]

    static func randomStrings(_ count: Int, maxPieces: Int = 24) -> [String] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            (0..<Int.random(in: 0...maxPieces, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
        }
    }

    @Test func scalarValuesAreTheUnicodeScalars() {
        for text in Self.randomStrings(2_000) {
            var values: [UInt32] = []
            text.forEachScalarValue {
                values.append($0)
                return true
            }
            #expect(values == text.unicodeScalars.map(\.value), "\(text.debugDescription)")
        }
        var seen = 0
        "abc".forEachScalarValue { _ in
            seen += 1
            return seen < 2
        }
        #expect(seen == 2)
    }

    @Test func characterOffsetIsSwiftsCharacterWalk() {
        for text in Self.randomStrings(1_000) + ["", "abc", "ab\r\ncd", "abc\u{301}", "\u{301}", "ab\r", "ab\r\n\u{301}x"] {
            for distance in 0...(text.utf8.count + 2) {
                #expect(
                    text.index(characterOffset: distance) == text.index(text.startIndex, offsetBy: distance, limitedBy: text.endIndex),
                    "\(text.debugDescription) \(distance)")
            }
        }
    }

    @Test func storedTextCleaningIsTheScalarRule() {
        for text in Self.randomStrings(2_000) {
            for multiline in [false, true] {
                var expected = String.UnicodeScalarView()
                for scalar in text.unicodeScalars {
                    if scalar == "\t" || scalar == "\n" {
                        expected.append(multiline ? scalar : " ")
                    } else if !StoredText.isUnsafe(scalar) {
                        expected.append(scalar)
                    }
                }
                #expect(StoredText.cleaned(text, multiline: multiline) == String(expected), "\(text.debugDescription)")
            }
        }
    }

    @Test func escapingReplacesTheFiveAndKeepsTheRest() {
        let entities: [Unicode.Scalar: String] = ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"]
        for text in Self.randomStrings(2_000) {
            let expected = text.unicodeScalars.map { entities[$0] ?? String($0) }.joined()
            #expect(HTMLEscaping.escape(text) == expected, "\(text.debugDescription)")
        }
    }

    @Test func tokensSplitOnASCIIWhitespaceOnly() {
        for text in Self.randomStrings(2_000) {
            let expected = text.unicodeScalars.split { [" ", "\t", "\n", "\u{0C}", "\r"].contains($0) }.map { String(String.UnicodeScalarView($0)) }
            #expect(HTMLElement.tokens(text) == expected, "\(text.debugDescription)")
        }
        // No-break and other Unicode spaces are part of a token, as in HTML.
        #expect(HTMLElement(name: "a", attributes: [HTMLAttribute(name: "class", value: " h-entry\u{A0}x\r\np-name ")]).classNames
            == ["h-entry\u{A0}x", "p-name"])
        #expect(HTMLElement(name: "a", attributes: [HTMLAttribute(name: "rel", value: "Me\tNoFollow")]).rels == ["me", "nofollow"])
    }

    @Test func wordsAndWordCountsAreTheScalarWalks() {
        // The walks these replaced, as they were.
        func words(_ text: String) -> [UInt64] {
            let offset: UInt64 = 0xcbf2_9ce4_8422_2325, prime: UInt64 = 0x0000_0100_0000_01b3
            var words: [UInt64] = []
            var hash = offset
            var inWord = false
            for scalar in text.unicodeScalars {
                if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                    for byte in scalar.properties.changesWhenLowercased ? Array(scalar.properties.lowercaseMapping.utf8) : Array(String(scalar).utf8) {
                        hash = (hash ^ UInt64(byte)) &* prime
                    }
                    inWord = true
                } else if inWord {
                    words.append(hash)
                    hash = offset
                    inWord = false
                }
            }
            if inWord { words.append(hash) }
            return words
        }
        func wordCount(_ text: String) -> Int {
            text.unicodeScalars.split { $0.properties.isWhitespace }.count
        }
        for text in Self.randomStrings(2_000) {
            #expect(Shingles.words(text) == words(text), "\(text.debugDescription)")
            #expect(PageTraits.wordCount(text) == wordCount(text), "\(text.debugDescription)")
            let limit = Int.random(in: 0...4)
            #expect(PageTraits.wordCount(text, upTo: limit) == min(wordCount(text), limit + 1), "\(text.debugDescription)")
        }
        #expect(Shingles.words(String(repeating: "w ", count: Shingles.maxWords + 5)).count == Shingles.maxWords)
    }

    @Test func datePartsMatchTheRegex() {
        let leadingDate = #/^(\d{4}-\d{2}-\d{2}|\d{4}-\d{3})/#
        let digitsAndDashes = ["1", "2", "0", "9", "-", "-", "T", " ", "x", "\u{0663}", "\u{301}", "é"]
        var generator = SystemRandomNumberGenerator()
        var texts = ["2024-03-07", "2024-03-07T10:00", "2024-066", "2024-066x", "2024-03-7", "2024-3-07", "20240307", "", "2024-03-07\u{301}"]
        for _ in 0..<5_000 {
            // Mostly date-shaped, so both branches and their edges are reached.
            var text = Array("2024-03-07".utf8).map { String(UnicodeScalar($0)) }
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                text[Int.random(in: 0..<text.count, using: &generator)] = digitsAndDashes.randomElement(using: &generator)!
            }
            texts.append(text.prefix(Int.random(in: 6...10, using: &generator)).joined() + (Bool.random(using: &generator) ? "T1" : ""))
        }
        for text in texts {
            #expect(MF2Dates.datePart(of: text) == text.prefixMatch(of: leadingDate).map { String($0.output.1) }, "\(text.debugDescription)")
        }
    }

    @Test func firstDescendantIsTheFirstInDocumentOrder() {
        let document = HTMLDocument(
            html: "<body><div><p id=a><b id=b></b></p></div><p id=c><b id=d></b></p><meta http-equiv=Status content=' 410 Gone'></body>")
        let root = document.root
        #expect(root.firstDescendant { $0.name == "b" }?[attribute: "id"] == "b")
        #expect(root.firstDescendant { $0.name == "p" && $0[attribute: "id"] == "c" }?.childElements.first?[attribute: "id"] == "d")
        #expect(root.firstDescendant { $0.name == "table" } == nil)
        #expect(root.descendants { $0.name == "b" || $0.name == "p" }.compactMap { $0[attribute: "id"] } == ["a", "b", "c", "d"])
        #expect(Verifier.saysGone(document) && !Verifier.saysGone(HTMLDocument(html: "<meta http-equiv=status content=200>")))
    }

    /// Names come out in lower case however the page spells them (read as libxml2 gives them, and
    /// lower-cased only when a byte needs it); the child-element walks visit what `childElements` lists.
    @Test func namesAreLowerCaseAndWalksSeeEveryChildElement() throws {
        let document = HTMLDocument(html: "<BODY><Div CLASS='H-Entry' Data-X=1><A HREF='/a'>a</A>text<SPAN>s</SPAN></Div></BODY>")
        let div = try #require(document.root.firstDescendant { $0.name == "div" })
        #expect(div.attributes.map(\.name) == ["class", "data-x"])
        #expect(div[attribute: "class"] == "H-Entry", "values keep their case")
        #expect(div.childElements.map(\.name) == ["a", "span"])
        var stack: [HTMLElement] = []
        div.pushChildElements(onto: &stack)
        #expect(stack.reversed().map(\.name) == div.childElements.map(\.name))
        let link = try #require(document.root.firstDescendant { $0.name == "a" })
        #expect(MentionExtractor.path(to: link, from: document.root).map(\.name) == ["html", "body", "div", "a"])
    }

    /// The byte search the bot-challenge markers and the `<![` scan use finds what `firstRange(of:)` finds, over a
    /// small alphabet so partial matches, overlaps and a needle at either end come up often.
    @Test func byteSearchIsFirstRange() {
        var generator = SystemRandomNumberGenerator()
        var found = 0
        for _ in 0..<5_000 {
            let haystack = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0x61...0x63, using: &generator) }
            let needle = (0..<Int.random(in: 0...5, using: &generator)).map { _ in UInt8.random(in: 0x61...0x63, using: &generator) }
            let expected = needle.isEmpty || haystack.firstRange(of: needle) != nil
            let got = haystack.withUnsafeBufferPointer { $0.contains(bytes: needle) }
            #expect(got == expected, "\(haystack) \(needle)")
            if got && !needle.isEmpty { found += 1 }
            let start = Int.random(in: 0...haystack.count, using: &generator)
            let index = haystack.withUnsafeBufferPointer { $0.firstIndex(of: needle, from: start) }
            #expect(index == (needle.isEmpty ? start : haystack[start...].firstRange(of: needle)?.lowerBound), "\(haystack) \(needle) from \(start)")
        }
        #expect(found > 1_000 && found < 4_900, "both answers come up: \(found)")
        #expect([UInt8]().withUnsafeBufferPointer { $0.contains(bytes: [1]) } == false)
        #expect(Array("ab<title>".utf8).withUnsafeBufferPointer { $0.contains(bytes: Array("<title>".utf8)) })
        #expect(!Array("ab<title".utf8).withUnsafeBufferPointer { $0.contains(bytes: Array("<title>".utf8)) })
    }

    /// The excerpt's ends, counted from one end instead of over the whole text, cut where the
    /// Character walks they replaced cut (`count`, `suffix`, `prefix`, then a word boundary).
    @Test func excerptEndsAreTheCharacterWalks() {
        func tail(_ text: String, _ limit: Int) -> String {
            guard text.count > limit else { return text }
            let cut = text.suffix(limit)
            guard let space = cut.firstIndex(of: " ") else { return String(cut) }
            return String(cut[space...])
        }
        func head(_ text: String, _ limit: Int) -> String {
            guard text.count > limit else { return text }
            let cut = text.prefix(limit)
            guard let space = cut.lastIndex(of: " ") else { return String(cut) }
            return String(cut[...space])
        }
        var cut = 0
        for text in Self.randomStrings(2_000, maxPieces: 40) {
            for limit in [0, 1, 5, 12, 30] {
                #expect(Excerpt.tail(text, limit) == tail(text, limit), "\(text.debugDescription) \(limit)")
                #expect(Excerpt.head(text, limit) == head(text, limit), "\(text.debugDescription) \(limit)")
                if text.count > limit { cut += 1 }
            }
        }
        #expect(cut > 2_000, "texts longer than the limit come up: \(cut)")
    }

    /// The control-character pass, which skips eight bytes at a time, changes what the byte-by-byte
    /// rule changes: on random pages of text, controls, `&` and numeric references at every offset.
    @Test func controlCharactersSkipNothingTheyShouldChange() {
        func reference(_ bytes: [UInt8]) -> [UInt8] {
            var output: [UInt8] = []
            var index = 0
            func isControl(_ byte: UInt8) -> Bool { byte != 0 && byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D && byte != 0x0C }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x0C {
                    output.append(0x20)
                } else if isControl(byte) {
                    output += [0xEF, 0xBF, 0xBD]
                } else if byte == UInt8(ascii: "&"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "#") {
                    var end = index + 2
                    var radix = 10
                    if end < bytes.count, bytes[end] | 0x20 == UInt8(ascii: "x") { radix = 16; end += 1 }
                    var value = 0
                    var digits = 0
                    while end < bytes.count, digits < 8, let digit = Int(String(UnicodeScalar(bytes[end])), radix: radix) {
                        value = value * radix + digit
                        digits += 1
                        end += 1
                    }
                    if digits > 0, value == 0x0C || (value < 0x20 && isControl(UInt8(value))) {
                        if end < bytes.count, bytes[end] == UInt8(ascii: ";") { end += 1 }
                        output += Array((value == 0x0C ? "&#x20;" : "&#xFFFD;").utf8)
                        index = end
                        continue
                    }
                    output.append(byte)
                } else {
                    output.append(byte)
                }
                index += 1
            }
            return output
        }
        let pieces: [[UInt8]] = [
            Array("text ".utf8), Array("<p class=x>".utf8), [0x0A], [0x09], [0x0D], [0x0C], [0x01], [0x1F], [0x00], [0x7F],
            Array("&amp;".utf8), Array("&#12;".utf8), Array("&#x0c;".utf8), Array("&#1".utf8), Array("&#x1F;".utf8),
            Array("&#65;".utf8), Array("&#".utf8), Array("&".utf8), Array("é".utf8), [0x20], [0x26, 0x26],
        ]
        var generator = SeededGenerator(seed: 2_026_120_74)
        var changed = 0
        for _ in 0..<3_000 {
            var page: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                // Long runs of plain text too, so the eight-byte steps are taken.
                page += Bool.random(using: &generator) ? pieces.randomElement(using: &generator)! : Array(repeating: 0x61, count: Int.random(in: 1...30, using: &generator))
            }
            let expected = reference(page)
            #expect(ControlCharacters.neutralized(page) == expected, "\(page)")
            if expected != page { changed += 1 }
        }
        #expect(changed > 1_000 && changed < 3_000, "pages that change and pages that do not: \(changed)")
    }
}
