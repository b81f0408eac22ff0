import Foundation

extension UnsafeBufferPointer<UInt8> {
    /// Whether `needle` occurs in these bytes: `memchr` finds each place its first byte is, `memcmp`
    /// compares the rest there. Linear in the bytes for the short markers it is used with; the
    /// generic `firstRange(of:)` cost about 400 instructions a byte, so checking a 64 KB page
    /// that has no link took some 150 million.
    package func contains(bytes needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard let base = baseAddress, needle.count <= count else { return false }
        let end = base + count
        var start = base
        return needle.withUnsafeBufferPointer { pattern in
            while end - start >= pattern.count {
                guard let found = memchr(start, Int32(first), end - start - pattern.count + 1) else { return false }
                let candidate = found.assumingMemoryBound(to: UInt8.self)
                if memcmp(candidate, pattern.baseAddress!, pattern.count) == 0 { return true }
                start = UnsafePointer(candidate) + 1
            }
            return false
        }
    }
}
