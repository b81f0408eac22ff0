import Foundation
import Testing

@testable import LinkbackCore
@testable import LinkbackKit

/// Images known by their bytes: real files of every format (made by Pillow, 48 × 40), and
/// what only pretends to be one.
@Suite struct ImageSnifferTests {
    static func image(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/images/" + name)
        return Array(try Data(contentsOf: url))
    }

    @Test(arguments: [
        ("face.png", ImageSniffer.Format.png), ("face.jpg", .jpeg), ("face.gif", .gif), ("face.webp", .webp),
        ("face-lossless.webp", .webp), ("face-alpha.webp", .webp), ("face.avif", .avif),
    ])
    func realImagesAreKnownWithTheirSize(_ name: String, _ format: ImageSniffer.Format) throws {
        #expect(ImageSniffer.sniff(try Self.image(name)) == ImageSniffer.Image(format: format, width: 48, height: 40))
    }

    @Test func whatIsNoImageIsNothing() throws {
        #expect(ImageSniffer.sniff(Array("<!DOCTYPE html><title>not a png</title>".utf8)) == nil)
        #expect(ImageSniffer.sniff([]) == nil)
        // A PNG cut off before its size.
        #expect(ImageSniffer.sniff(Array(try Self.image("face.png").prefix(18))) == nil)
        #expect(ImageSniffer.sniff(Array(try Self.image("face.jpg").prefix(100))) == nil)
        #expect(ImageSniffer.sniff(try Self.image("huge-pixels.png")) == ImageSniffer.Image(format: .png, width: 5000, height: 4000))
    }

    @Test func onlyHashNamesAreServed() {
        let hash = String(repeating: "ab", count: 32)
        #expect(AvatarProxy.file(named: hash + ".png", in: "/d")?.path == "/d/\(hash).png")
        #expect(AvatarProxy.file(named: hash + ".jpg", in: "/d")?.format == .jpeg)
        for bad in ["../etc/passwd", hash + ".html", hash.uppercased() + ".png", hash + ".png.png", "x.png", hash] {
            #expect(AvatarProxy.file(named: bad, in: "/d") == nil, "\(bad)")
        }
        #expect(AvatarProxy.names(in: ["https://m.example/avatars/\(hash).gif", #"[{"author_photo":"https:\/\/m.example\/avatars\/\#(hash).webp"}]"#])
            == [hash + ".gif", hash + ".webp"])
    }
}
