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
        var result: Set<String> = []
        for name in element.classNames where name.hasPrefix("h-") && isValidName(name.dropFirst(2)) {
            result.insert(name)
        }
        return result.sorted()
    }

    /// The element's valid property classes, in class order; a repeated class counts twice, as
    /// most parsers do.
    package static func properties(of element: HTMLElement) -> [Property] {
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
