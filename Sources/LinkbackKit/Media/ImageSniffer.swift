/// What an image's bytes say it is (never its `Content-Type` or file name): PNG, JPEG, GIF, WebP
/// or AVIF by their magic bytes, and its size in pixels read from the header, without decoding.
public enum ImageSniffer {
    public enum Format: String, Sendable, CaseIterable {
        case png, jpeg, gif, webp, avif

        /// The file extension an avatar is served under.
        public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }

        public var mediaType: String { "image/" + rawValue }

        /// The format served under `fileExtension`.
        public init?(fileExtension: String) {
            guard let format = Format.allCases.first(where: { $0.fileExtension == fileExtension }) else { return nil }
            self = format
        }
    }

    public struct Image: Sendable, Equatable {
        public var format: Format
        public var width: Int
        public var height: Int
    }

    /// The image `bytes` hold, or `nil` for anything else (HTML named `.png`, a truncated header,
    /// a format not listed) and for an image whose header gives no size.
    public static func sniff(_ bytes: [UInt8]) -> Image? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        func big(_ offset: Int, _ count: Int) -> Int? {
            guard offset >= 0, bytes.count >= offset + count else { return nil }
            return bytes[offset..<(offset + count)].reduce(0) { $0 << 8 | Int($1) }
        }
        func little(_ offset: Int, _ count: Int) -> Int? {
            guard offset >= 0, bytes.count >= offset + count else { return nil }
            return bytes[offset..<(offset + count)].reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        func image(_ format: Format, _ width: Int?, _ height: Int?) -> Image? {
            guard let width, let height, width > 0, height > 0 else { return nil }
            return Image(format: format, width: width, height: height)
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), starts(Array("IHDR".utf8), at: 12) {
            return image(.png, big(16, 4), big(20, 4))
        }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) {
            return image(.gif, little(6, 2), little(8, 2))
        }
        if starts([0xFF, 0xD8, 0xFF]) { return jpeg(bytes).flatMap { image(.jpeg, $0.width, $0.height) } }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) {
            if starts(Array("VP8X".utf8), at: 12) {
                return image(.webp, little(24, 3).map { $0 + 1 }, little(27, 3).map { $0 + 1 })
            }
            if starts(Array("VP8L".utf8), at: 12), bytes.count >= 25, bytes[20] == 0x2F {
                let bits = little(21, 4) ?? 0
                return image(.webp, (bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1)
            }
            if starts(Array("VP8 ".utf8), at: 12), starts([0x9D, 0x01, 0x2A], at: 23) {
                return image(.webp, little(26, 2).map { $0 & 0x3FFF }, little(28, 2).map { $0 & 0x3FFF })
            }
            return nil
        }
        if starts(Array("ftyp".utf8), at: 4), starts(Array("avif".utf8), at: 8) || starts(Array("avis".utf8), at: 8) {
            // The first `ispe` (image spatial extents) property: version and flags, width, height.
            let marker = Array("ispe".utf8)
            guard let at = (0..<max(0, min(bytes.count, 65_536) - 15)).first(where: { starts(marker, at: $0) }) else { return nil }
            return image(.avif, big(at + 8, 4), big(at + 12, 4))
        }
        return nil
    }

    /// A JPEG's size from its first start-of-frame marker.
    private static func jpeg(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        var offset = 2
        while offset + 9 < bytes.count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            if marker == 0xFF { offset += 1; continue }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            // SOF0–SOF15, not DHT (C4), JPG (C8) or DAC (CC).
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                return (Int(bytes[offset + 7]) << 8 | Int(bytes[offset + 8]), Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]))
            }
            guard length >= 2 else { return nil }
            offset += 2 + length
        }
        return nil
    }
}
