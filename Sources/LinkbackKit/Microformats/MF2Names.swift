/// Class-name rules of microformats2: `h-*` roots and `p-`/`u-`/`dt-`/`e-` properties, with an
/// optional vendor prefix (`h-x-test`), lower-case ASCII only.
package enum MF2Names {
    package enum Prefix: String {
        case p, u, dt, e
    }

    package struct Property: Equatable {
        package var prefix: Prefix
        package var name: String
    }

    /// The element's valid root class names, sorted and unique.
    package static func roots(of element: HTMLElement) -> [String] {
        guard mayHold(element) else { return [] }
        var result: Set<String> = []
        for name in element.classNames where name.hasPrefix("h-") && isValidName(name.dropFirst(2)) {
            result.insert(name)
        }
        return result.sorted()
    }

    /// The element's valid property classes, in class order; a repeated class counts twice, as
    /// most parsers do.
    package static func properties(of element: HTMLElement) -> [Property] {
        guard mayHold(element) else { return [] }
        var result: [Property] = []
        for name in element.classNames {
            guard let dash = name.firstIndex(of: "-"), let prefix = Prefix(rawValue: String(name[..<dash])) else {
                continue
            }
            let rest = name[name.index(after: dash)...]
            guard isValidName(rest) else { continue }
            result.append(Property(prefix: prefix, name: String(rest)))
        }
        return result
    }

    /// Whether the element's `class` can hold a root or property class: a token that starts with
    /// `h-`, `p-`, `u-`, `e-` or `dt-`. Read on the bytes, so the classes of the many elements
    /// that hold none (most of a page) are never split into strings.
    package static func mayHold(_ element: HTMLElement) -> Bool {
        guard let value = element[attribute: "class"] else { return false }
        var previous: UInt8 = 0
        var beforePrevious: UInt8 = 0
        var tokenLength = 0
        for byte in value.utf8 {
            if byte.isHTMLWhitespace {
                tokenLength = 0
                continue
            }
            tokenLength += 1
            if byte == 0x2D {  // "-"
                if tokenLength == 2, [0x68, 0x70, 0x75, 0x65].contains(previous) { return true }  // h p u e
                if tokenLength == 3, beforePrevious == 0x64, previous == 0x74 { return true }  // dt
            }
            (beforePrevious, previous) = (previous, byte)
        }
        return false
    }

    /// `([a-z0-9]+-)?[a-z]+(-[a-z]+)*`
    package static func isValidName(_ name: Substring) -> Bool {
        var segments = name.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = segments.first, !first.isEmpty else { return false }
        func letters(_ segment: Substring) -> Bool {
            !segment.isEmpty && segment.unicodeScalars.allSatisfy { ("a"..."z").contains($0) }
        }
        if !letters(first) {
            // A vendor prefix may contain digits, but must be followed by a name.
            guard segments.count > 1, first.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) })
            else { return false }
            segments.removeFirst()
        }
        return segments.allSatisfy(letters)
    }
}
