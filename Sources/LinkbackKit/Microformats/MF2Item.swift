/// One property value of a microformat.
public indirect enum MF2Value: Sendable, Equatable {
    /// p-*, dt-* and most u-* values.
    case text(String)
    /// A u-* value from an `img` with `alt`: `{"value": URL, "alt": TEXT}`.
    case image(url: String, alt: String)
    /// An e-* value: `{"value": TEXT, "html": HTML}`, computed when read.
    case html(MF2Embedded, lang: String?)
    /// A nested microformat that is also a property.
    case item(MF2Item)

    /// The plain string of a text, URL or image value (nested items give their `value`).
    public var string: String? {
        switch self {
        case .text(let text): return text
        case .image(let url, _): return url
        case .html(let embedded, _): return embedded.value
        case .item(let item): return item.value?.string
        }
    }

    public var item: MF2Item? {
        if case .item(let item) = self { return item }
        return nil
    }
}

/// A parsed microformat (`h-*` root) with its properties, children and, when it is itself the
/// value of a property, its `value` (and `html` for e-*).
public struct MF2Item: Sendable, Equatable {
    public var type: [String]
    public var id: String?
    public var lang: String?
    /// Property names in the order first seen.
    public var propertyNames: [String] = []
    public var properties: [String: [MF2Value]] = [:]
    public var children: [MF2Item] = []
    public var value: MF2Value?
    /// The e-* value when this item is itself an e-* property.
    public var embedded: MF2Embedded?
    /// The serialised HTML of ``embedded``.
    public var html: String? { embedded?.html }
    /// The element the microformat was parsed from (not compared).
    public let element: HTMLElement?
    /// The first p-name (explicit or implied), the value of this item as a nested p-* property.
    package var firstPName: String?
    /// The first u-url (explicit or implied), the value of this item as a nested u-* property.
    package var firstUURL: MF2Value?

    package init(type: [String], element: HTMLElement?) {
        self.type = type
        self.element = element
    }

    public subscript(name: String) -> [MF2Value] { properties[name] ?? [] }

    /// The first value of `name` as a plain string.
    public func first(_ name: String) -> String? { self[name].first?.string }

    public func has(type name: String) -> Bool { type.contains(name) }

    package mutating func add(_ name: String, _ value: MF2Value) {
        if properties[name] == nil {
            propertyNames.append(name)
            properties[name] = []
        }
        properties[name]?.append(value)
    }

    public static func == (lhs: MF2Item, rhs: MF2Item) -> Bool {
        lhs.type == rhs.type && lhs.id == rhs.id && lhs.lang == rhs.lang && lhs.properties == rhs.properties
            && lhs.children == rhs.children && lhs.value == rhs.value && lhs.embedded == rhs.embedded
    }
}

/// A link with `rel`, as collected in `rel-urls`.
public struct MF2RelURL: Sendable, Equatable {
    public var rels: [String]
    public var text: String?
    public var title: String?
    public var type: String?
    public var media: String?
    public var hreflang: String?
}

/// The result of parsing a page: top-level items, `rels` and `rel-urls`.
public struct MF2Document: Sendable, Equatable {
    public var items: [MF2Item]
    public var rels: [String: [String]]
    public var relURLs: [String: MF2RelURL]
    /// The parse stopped early: the page needed more steps than its budget allowed.
    public var budgetExceeded = false
    /// Steps the parse took (see ``MF2Parser``).
    public var stepsSpent = 0

    public static func == (lhs: MF2Document, rhs: MF2Document) -> Bool {
        lhs.items == rhs.items && lhs.rels == rhs.rels && lhs.relURLs == rhs.relURLs
    }
}
