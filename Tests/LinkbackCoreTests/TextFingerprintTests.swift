import Foundation
import Testing

@testable import LinkbackKit

/// Shingles and fingerprints: what copy detection compares, on real-looking prose.
@Suite struct TextFingerprintTests {
    static let post = """
        Last weekend I finally rebuilt the garden shed that the winter storms had flattened. The old frame
        was pine, soft and split along every joint, so this time I used larch posts set on concrete pads and
        a roof of corrugated steel sheets screwed down with rubber washers. The hardest part was squaring the
        walls on a slope: I ended up cutting each stud to its own length and checking the diagonals after
        every third one. It took two days, four hundred screws and more coffee than I care to admit, but the
        door finally closes without a shove and the tools stay dry.
        """
    static let other = """
        Our town library now lends seeds as well as books. You borrow a packet of beans or tomatoes in spring,
        grow them through the summer, and bring back a few seeds from the best plants in autumn so the next
        gardener can try them. The librarians keep a card index of who grew what, and the notes on the backs
        of the cards are the best reading in the building: blight in July, slugs in the lettuce, a pumpkin
        that took over an entire allotment and won a ribbon at the county show in September.
        """

    @Test func wordsAreComparedWithoutCaseOrPunctuation() {
        #expect(Shingles("Hello, World! Foo -- bar baz.") == Shingles("hello world foo bar BAZ"))
        #expect(Shingles("one two three").count == 0, "fewer words than a shingle")
        #expect(Shingles("one two three four five").count == 2)
    }

    /// The shingles' table holds what a set of the definition holds: each run of four words, hashed
    /// as `words` and `scramble` say, once; containment is the shared share of the set.
    @Test func shinglesAreTheSetOfTheirDefinition() {
        func definition(_ text: String) -> Set<UInt64> {
            let words = Shingles.words(text)
            guard words.count >= Shingles.size else { return [] }
            return Set((0...(words.count - Shingles.size)).map { start in
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for word in words[start..<start + Shingles.size] {
                    hash ^= 0x20
                    for shift in stride(from: 0, to: 64, by: 8) { hash = (hash ^ ((word >> UInt64(shift)) & 0xff)) &* 0x0000_0100_0000_01b3 }
                }
                return Shingles.scramble(hash)
            })
        }
        var generator = SeededGenerator(seed: 2_026_120_72)
        let vocabulary = ["the", "shed", "roof", "larch", "post", "a", "of", "winter", "Garden", "walls", "slope", "two"]
        var texts: [String] = ["", "one two three", Self.post, Self.other]
        for _ in 0..<300 {
            // Few distinct words, so runs repeat and tables fill with collisions.
            texts.append((0..<Int.random(in: 0...400, using: &generator)).map { _ in vocabulary.randomElement(using: &generator)! }.joined(separator: " "))
        }
        for (index, text) in texts.enumerated() {
            let shingles = Shingles(text)
            let expected = definition(text)
            #expect(shingles.count == expected.count)
            #expect(shingles.hashes.count == expected.count && Set(shingles.hashes) == expected)
            #expect(expected.allSatisfy(shingles.contains))
            #expect(!shingles.contains(12_345) || expected.contains(12_345))
            let other = Shingles(texts[(index + 1) % texts.count])
            let otherSet = definition(texts[(index + 1) % texts.count])
            let share = expected.isEmpty ? 0 : Double(expected.intersection(otherSet).count) / Double(expected.count)
            #expect(abs(shingles.containment(in: other) - share) < 1e-12, "\(index)")
            #expect(shingles == Shingles(text + " "), "\(index)")
            #expect((shingles == other) == (expected == otherSet), "\(index)")
        }
    }

    @Test func aCopyInsideAnotherPageContainsThePostAndAQuoteDoesNot() {
        let post = Shingles(Self.post)
        let copy = Shingles("Home | About | Contact. Great DIY reads! " + Self.post + " Share this on Facebook. Related posts: casino bonus tips.")
        let quote = Shingles("I loved this: \"The hardest part was squaring the walls on a slope.\" Mine fell over twice. " + Self.other)
        #expect(post.containment(in: copy) > 0.95)
        #expect(post.containment(in: quote) < 0.1)
        #expect(post.containment(in: Shingles(Self.other)) == 0)
        #expect(Shingles("").containment(in: post) == 0)
    }

    @Test func fingerprintsOfOneTextAreAlikeWhateverSurroundsIt() throws {
        let plain = try #require(TextFingerprint(Shingles(Self.post), minimum: 20))
        let framed = try #require(TextFingerprint(Shingles("Sponsored. " + Self.post + " Buy cheap pills online now, fast shipping."), minimum: 20))
        let reworded = try #require(TextFingerprint(Shingles(Self.post.replacingOccurrences(of: "garden shed", with: "tool hut")), minimum: 20))
        let unrelated = try #require(TextFingerprint(Shingles(Self.other), minimum: 20))
        #expect(plain.likeness(to: framed) >= 0.7, "\(plain.likeness(to: framed))")
        #expect(plain.likeness(to: reworded) >= 0.7, "\(plain.likeness(to: reworded))")
        #expect(plain.likeness(to: unrelated) < 0.2, "\(plain.likeness(to: unrelated))")
        #expect(plain.likeness(to: plain) == 1)
        #expect(!Set(plain.bands).isDisjoint(with: framed.bands), "alike texts share a band, so the index finds them")
        #expect(Set(plain.bands).isDisjoint(with: unrelated.bands))
    }

    @Test func aShortTextHasNoFingerprint() {
        #expect(TextFingerprint(Shingles("Great post, thanks for writing it up!"), minimum: 37) == nil)
        #expect(TextFingerprint(Shingles(Self.post), minimum: 37) != nil)
    }

    @Test func theStoredFormReadsBackAndNothingElseDoes() throws {
        let fingerprint = try #require(TextFingerprint(Shingles(Self.post), minimum: 1))
        #expect(TextFingerprint(stored: fingerprint.stored) == fingerprint)
        #expect(fingerprint.stored.hasPrefix("v1:\(fingerprint.shingles):"))
        for bad in ["", "v1:3:abc", "v2:3:" + String(repeating: "0", count: 512), "v1:x:" + String(repeating: "0", count: 512),
                    "v1:3:" + String(repeating: "g", count: 512), "v1:0:" + String(repeating: "0", count: 512),
                    "v1::" + String(repeating: "0", count: 512), "v1:-3:" + String(repeating: "0", count: 512),
                    "v1:3:" + String(repeating: "0", count: 511) + ":", "v1:99999999999999999999:" + String(repeating: "0", count: 512),
                    "v1:3", "V1:3:" + String(repeating: "0", count: 512)] {
            #expect(TextFingerprint(stored: bad) == nil, "\(bad.prefix(12))")
        }
    }

    /// Stored fingerprints are compared with new ones: each signature value is, by definition, the
    /// least high half of `hash × multiplier + seed` over the text's shingles, however the loop runs.
    @Test func eachSignatureValueIsTheLeastHashOfItsFunction() throws {
        var generator = SystemRandomNumberGenerator()
        for length in [5, 40, 1_500] {
            let text = (0..<length).map { _ in "w\(Int.random(in: 0..<5_000, using: &generator))" }.joined(separator: " ")
            let shingles = Shingles(text)
            let fingerprint = try #require(TextFingerprint(shingles, minimum: 1))
            let expected = (0..<TextFingerprint.signatureSize).map { index in
                shingles.hashes.map { hash in
                    UInt32(truncatingIfNeeded: (hash &* TextFingerprint.multipliers[index] &+ TextFingerprint.seeds[index]) >> 32)
                }.min() ?? .max
            }
            #expect(fingerprint.signature == expected, "\(length) words")
            #expect(fingerprint.shingles == shingles.count)
        }
    }

    @Test func wordHashesAreFNV1aWithoutAProcessSeed() {
        // Stored fingerprints are compared later, by another process: the published FNV-1a values.
        #expect(Shingles.words("a") == [0xaf63_dc4c_8601_ec8c])
        #expect(Shingles.words("Foobar!") == [0x8594_4171_f739_67e8])
        #expect(Shingles("alpha beta gamma delta").hashes == Shingles("ALPHA beta, gamma; delta").hashes)
    }

    @Test func theMainTextIsTheEntryOrTheArticleNotTheChrome() {
        let entry = HTMLDocument(html: """
            <nav>Menu Home About</nav><div class="h-entry"><h1 class="p-name">T</h1>
            <div class="e-content"><p>Body words here.</p></div></div><footer>Copyright</footer>
            """)
        #expect(MainText.of(entry).collapsingWhitespace() == "Body words here.")
        let article = HTMLDocument(html: "<header>Site</header><article><p>Article text.</p><aside>Ads</aside></article>")
        #expect(MainText.of(article).collapsingWhitespace() == "Article text.")
        let body = HTMLDocument(html: "<nav>Menu</nav><p>Just <b>a</b> page.</p><script>var x = 1</script><footer>f</footer>")
        #expect(MainText.of(body).collapsingWhitespace() == "Just a page.")
    }
}
