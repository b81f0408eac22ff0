import Foundation

/// Compares JSON texts by value, so key order does not matter.
public enum JSON {
    /// The parsed value of `text`, as Foundation objects that compare with `==`.
    public static func value(_ text: String) -> NSObject? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as? NSObject
    }

    /// Whether two JSON texts hold the same value.
    public static func same(_ first: String, _ second: String) -> Bool {
        guard let a = value(first), let b = value(second) else { return false }
        return a == b
    }

    /// The top-level object's members, for checking single fields.
    public static func object(_ text: String) -> [String: Any]? {
        value(text) as? [String: Any]
    }
}
