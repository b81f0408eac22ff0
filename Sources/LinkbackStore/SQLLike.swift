/// The one way a value becomes part of a SQL `LIKE` pattern: `%`, `_` and the escape character
/// itself are escaped, and every pattern is used as `LIKE ? ESCAPE '\'`, so a domain such as
/// `my_blog.example` matches only itself, never `myxblog.example`.
package enum SQLLike {
    /// The escape character named in every `ESCAPE` clause.
    package static let escapeCharacter: Character = "\\"

    /// `column LIKE ? ESCAPE '\'`.
    package static func clause(_ column: String) -> String { "\(column) LIKE ? ESCAPE '\\'" }

    /// `value` with its wildcard and escape characters escaped, to match literally.
    package static func literal(_ value: String) -> String {
        var result = ""
        for character in value {
            if character == "%" || character == "_" || character == escapeCharacter { result.append(escapeCharacter) }
            result.append(character)
        }
        return result
    }
}
