/// HTTP `Link` header values (RFC 8288): `<uri-reference>; rel="a b"; other=params, <…>; …`.
public enum LinkHeader {
    /// One link-value: its target as written (possibly relative) and its `rel` tokens, lower case.
    public struct Link: Equatable, Sendable {
        public var reference: String
        public var rels: [String]
    }

    /// The link-values of one header value, in order. Commas and semicolons inside `<…>` and
    /// inside quoted parameter values do not split; a value that does not parse ends the list.
    public static func parse(_ value: String) -> [Link] {
        var links: [Link] = []
        var characters = Substring(value)
        while true {
            characters = characters.drop { $0 == " " || $0 == "\t" || $0 == "," }
            guard characters.first == "<", let close = characters.firstIndex(of: ">") else { return links }
            let reference = String(characters[characters.index(after: characters.startIndex)..<close])
            characters = characters[characters.index(after: close)...]
            var rels: [String] = []
            // Parameters up to the next top-level comma.
            while true {
                characters = characters.drop { $0 == " " || $0 == "\t" }
                guard characters.first == ";" else { break }
                characters = characters.dropFirst().drop { $0 == " " || $0 == "\t" }
                let name = characters.prefix { $0 != "=" && $0 != ";" && $0 != "," }
                characters = characters[name.endIndex...]
                var parameter = ""
                if characters.first == "=" {
                    characters = characters.dropFirst().drop { $0 == " " || $0 == "\t" }
                    if characters.first == "\"" {
                        characters = characters.dropFirst()
                        while let character = characters.first, character != "\"" {
                            characters = characters.dropFirst()
                            if character == "\\", let escaped = characters.first {
                                parameter.append(escaped)
                                characters = characters.dropFirst()
                            } else {
                                parameter.append(character)
                            }
                        }
                        characters = characters.dropFirst()
                    } else {
                        let bare = characters.prefix { $0 != ";" && $0 != "," }
                        parameter = bare.trimmingCharacters(in: .whitespaces)
                        characters = characters[bare.endIndex...]
                    }
                }
                if name.trimmingCharacters(in: .whitespaces).lowercased() == "rel" {
                    rels += parameter.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                }
            }
            links.append(Link(reference: reference, rels: rels))
            characters = characters.drop { $0 != "," }
        }
    }
}
