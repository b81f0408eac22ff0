/// The shingles of a text: every run of ``size`` consecutive normalised words, hashed. Two texts
/// that share most shingles share most of their wording in the same order, whatever the markup,
/// case and punctuation around it: how a copy of a post is told from a reply that quotes a line.
///
/// Hashes are FNV-1a over the words' UTF-8 (stable across processes and machines, unlike
/// `Hasher`), so fingerprints made from them can be stored and compared later.
public struct Shingles: Sendable, Equatable {
    /// Words per shingle: long enough that common phrases rarely make two texts look alike.
    public static let size = 4
    /// Words read at most; a longer text is judged by its beginning (the cost of a page is bounded).
    public static let maxWords = 20_000

    /// The distinct hashes by open addressing: a power of two of slots, at least one and a half
    /// times the shingles (no more memory than the `Set` it replaces), 0 for an empty slot (a hash
    /// that is 0 is noted in ``holdsZero``). The hashes are mixed already, so their low bits are
    /// the slot: Swift's `Set` hashed each again (SipHash) and took about seven times as long to
    /// fill; a sorted array's sort took longer still (measured).
    private let table: [UInt64]
    private let holdsZero: Bool
    /// How many distinct shingles.
    public let count: Int

    /// The shingles of `text`'s words (lower case, letters and digits; everything else separates).
    public init(_ text: String) {
        let words = Self.words(text)
        guard words.count >= Self.size else {
            (table, holdsZero, count) = ([], false, 0)
            return
        }
        var slots = 16
        let windows = words.count - Self.size + 1
        while slots < windows + windows / 2 { slots <<= 1 }
        var table = [UInt64](repeating: 0, count: slots)
        var holdsZero = false
        var count = 0
        table.withUnsafeMutableBufferPointer { table in
            for start in 0...(words.count - Self.size) {
                var hash = Self.offset
                for word in words[start..<start + Self.size] { hash = Self.mix(word, into: hash ^ 0x20) }
                let value = Self.scramble(hash)
                guard value != 0 else {
                    if !holdsZero { count += 1 }
                    holdsZero = true
                    continue
                }
                let slot = Self.slot(of: value, in: UnsafeBufferPointer(table))
                if table[slot] == 0 {
                    table[slot] = value
                    count += 1
                }
            }
        }
        (self.table, self.holdsZero, self.count) = (table, holdsZero, count)
    }

    /// Each distinct shingle hash once, in no particular order.
    public var hashes: [UInt64] {
        var hashes = table.filter { $0 != 0 }
        if holdsZero { hashes.append(0) }
        return hashes
    }

    /// Whether `hash` is one of these shingles.
    public func contains(_ hash: UInt64) -> Bool {
        guard hash != 0 else { return holdsZero }
        guard !table.isEmpty else { return false }
        return table.withUnsafeBufferPointer { $0[Self.slot(of: hash, in: $0)] == hash }
    }

    /// The slot of `table` that holds `value` (not 0), or the empty one where it goes: linear
    /// probing from its low bits. The table is never full, so the walk ends.
    @inline(__always)
    private static func slot(of value: UInt64, in table: UnsafeBufferPointer<UInt64>) -> Int {
        let mask = table.count - 1
        var slot = Int(truncatingIfNeeded: value) & mask
        while table[slot] != 0 && table[slot] != value { slot = (slot + 1) & mask }
        return slot
    }

    /// The share of these shingles that `other` holds too (0 when there are none): how much of
    /// this text the other reproduces.
    public func containment(in other: Shingles) -> Double {
        guard count > 0 else { return 0 }
        let (small, large) = count <= other.count ? (self, other) : (other, self)
        var shared = small.holdsZero && large.holdsZero ? 1 : 0
        for hash in small.table where hash != 0 && large.contains(hash) { shared += 1 }
        return Double(shared) / Double(count)
    }

    /// The same shingles (the tables' layouts may differ with the order they were filled in).
    public static func == (lhs: Shingles, rhs: Shingles) -> Bool {
        lhs.count == rhs.count && lhs.holdsZero == rhs.holdsZero && lhs.table.allSatisfy { $0 == 0 || rhs.contains($0) }
    }

    /// Each word's FNV-1a hash, for at most ``maxWords`` words.
    static func words(_ text: String) -> [UInt64] {
        var words: [UInt64] = []
        var hash = offset
        var inWord = false
        text.forEachScalarValue { value in
            if value < 0x80 {
                // ASCII, most of any page: no Unicode property lookups, no allocation.
                if (value >= 0x61 && value <= 0x7a) || (value >= 0x30 && value <= 0x39) {
                    hash = (hash ^ UInt64(value)) &* prime
                    inWord = true
                    return true
                }
                if value >= 0x41 && value <= 0x5a {
                    hash = (hash ^ UInt64(value + 0x20)) &* prime
                    inWord = true
                    return true
                }
            } else if let scalar = Unicode.Scalar(value), scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                if scalar.properties.changesWhenLowercased {
                    for lower in scalar.properties.lowercaseMapping.utf8 { hash = (hash ^ UInt64(lower)) &* prime }
                } else {
                    for byte in UTF8.encode(scalar)! { hash = (hash ^ UInt64(byte)) &* prime }
                }
                inWord = true
                return true
            }
            if inWord {
                words.append(hash)
                if words.count == maxWords { return false }
                hash = offset
                inWord = false
            }
            return true
        }
        if inWord && words.count < maxWords { words.append(hash) }
        return words
    }

    private static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// SplitMix64's finaliser: spreads every input bit over the output.
    static func scramble(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    private static func mix(_ word: UInt64, into hash: UInt64) -> UInt64 {
        var hash = hash
        for shift in stride(from: 0, to: 64, by: 8) { hash = (hash ^ ((word >> UInt64(shift)) & 0xff)) &* prime }
        return hash
    }
}

/// A small, storable summary of a text's ``Shingles`` (a MinHash signature and the shingle count),
/// from which the likeness of two texts can be estimated without either text: what copy-cluster
/// detection keeps of each verified source instead of its page.
public struct TextFingerprint: Sendable, Equatable {
    /// Minimum hashes kept; the estimate's error is about 1/√(this).
    public static let signatureSize = 64
    /// Signature values per band: two texts are candidates when a whole band agrees (LSH), which
    /// finds texts that share about half their shingles or more with few misses.
    public static let bandSize = 4

    public let signature: [UInt32]
    /// How many distinct shingles the text had.
    public let shingles: Int

    /// `nil` for a text too short to tell a copy from a coincidence (fewer than `minimum` shingles).
    public init?(_ shingles: Shingles, minimum: Int) {
        guard shingles.count >= max(1, minimum) else { return nil }
        // One cheap universal hash per signature value (multiply and add modulo 2^64, the high
        // half kept) of the already well-mixed shingle hash. One value at a time over all the
        // hashes, as an array: the minimum stays in a register and the loop is a few instructions
        // a hash (the other way round, a hash at a time over the 64 values, took about twice as many).
        let hashes = shingles.hashes
        let signature = hashes.withUnsafeBufferPointer { hashes in
            (0..<Self.signatureSize).map { index in
                let (multiplier, seed) = (Self.multipliers[index], Self.seeds[index])
                var lowest = UInt32.max
                for hash in hashes { lowest = min(lowest, UInt32(truncatingIfNeeded: (hash &* multiplier &+ seed) >> 32)) }
                return lowest
            }
        }
        self.init(signature: signature, shingles: shingles.count)
    }

    init(signature: [UInt32], shingles: Int) {
        self.signature = signature
        self.shingles = shingles
    }

    /// How much the shorter of the two texts is contained in the longer, estimated: the share of
    /// agreeing signature values is their Jaccard likeness J, and |A ∩ B| = J (|A| + |B|) / (1 + J).
    /// A scraper's copy with its own menus around the post still scores high.
    public func likeness(to other: TextFingerprint) -> Double {
        let agreeing = zip(signature, other.signature).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        let jaccard = Double(agreeing) / Double(Self.signatureSize)
        let shared = jaccard * Double(shingles + other.shingles) / (1 + jaccard)
        return min(1, shared / Double(max(1, min(shingles, other.shingles))))
    }

    /// One key per band of the signature; texts that share a key are worth comparing.
    public var bands: [Int64] {
        stride(from: 0, to: Self.signatureSize, by: Self.bandSize).map { start in
            var hash: UInt64 = UInt64(start)
            for value in signature[start..<start + Self.bandSize] { hash = Shingles.scramble(hash ^ UInt64(value)) }
            return Int64(bitPattern: hash)
        }
    }

    /// The stored form: `v1:SHINGLES:HEX`, 8 hex digits per signature value.
    public var stored: String {
        "v1:\(shingles):" + signature.map { value in
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }

    /// A stored fingerprint read back; `nil` for anything not in the stored form.
    public init?(stored: String) {
        // All on bytes: the copy detector reads up to 200 of these per verification, and parsing
        // them through Substring and Character (a split on ":" walked every character) was a
        // quarter, then again a third, of a farm's verification.
        let bytes = stored.utf8
        let colon = UInt8(ascii: ":")
        guard bytes.starts(with: "v1:".utf8) else { return nil }
        let countStart = bytes.index(bytes.startIndex, offsetBy: 3)
        guard let countEnd = bytes[countStart...].firstIndex(of: colon), countEnd > countStart else { return nil }
        var shingles = 0
        for byte in bytes[countStart..<countEnd] {
            guard byte.isASCIIDigit, shingles < Int.max / 10 - 9 else { return nil }
            shingles = shingles * 10 + Int(byte - 0x30)
        }
        let hex = bytes[bytes.index(after: countEnd)...]
        guard shingles > 0, hex.count == Self.signatureSize * 8 else { return nil }
        var signature: [UInt32] = []
        signature.reserveCapacity(Self.signatureSize)
        var value: UInt32 = 0
        for (index, byte) in hex.enumerated() {
            guard let digit = byte.hexDigitValue else { return nil }
            value = value << 4 | UInt32(digit)
            if index % 8 == 7 {
                signature.append(value)
                value = 0
            }
        }
        self.init(signature: signature, shingles: shingles)
    }

    /// Fixed seeds and odd multipliers, one each per signature value (fixed so stored
    /// fingerprints stay comparable).
    static let seeds: [UInt64] = (0..<UInt64(signatureSize)).map { Shingles.scramble($0 &* 0x632b_e59b_d9b4_e019) }
    static let multipliers: [UInt64] = (0..<UInt64(signatureSize)).map { Shingles.scramble($0 ^ 0x5851_f42d_4c95_7f2d) | 1 }
}
