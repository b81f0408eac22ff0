import Foundation

extension UnsafeBufferPointer<UInt8> {
    /// Where `needle` first occurs at or after `start`: `memchr` finds each place its first byte
    /// is, `memcmp` compares the rest there. Linear in the bytes for the short markers it is used
    /// with; the generic `firstRange(of:)` cost about 400 instructions a byte, so checking a 64 KB
    /// page that has no link took some 150 million.
    package func firstIndex(of needle: [UInt8], from start: Int = 0) -> Int? {
        guard let first = needle.first else { return start <= count ? start : nil }
        guard let base = baseAddress, start >= 0, needle.count <= count - start else { return nil }
        let end = base + count
        var from = base + start
        return needle.withUnsafeBufferPointer { pattern in
            while end - from >= pattern.count {
                guard let found = memchr(from, Int32(first), end - from - pattern.count + 1) else { return nil }
                let candidate = UnsafePointer(found.assumingMemoryBound(to: UInt8.self))
                if memcmp(candidate, pattern.baseAddress!, pattern.count) == 0 { return candidate - base }
                from = candidate + 1
            }
            return nil
        }
    }

    /// Whether `needle` occurs in these bytes.
    package func contains(bytes needle: [UInt8]) -> Bool { firstIndex(of: needle) != nil }
}
