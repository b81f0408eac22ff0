import Foundation

extension MF2Document {
    /// The canonical microformats2 JSON shape (`items`, `rels`, `rel-urls`) as Foundation objects,
    /// ready for `JSONSerialization`.
    public var jsonObject: [String: Any] {
        var relURLObjects: [String: Any] = [:]
        for (url, rel) in relURLs {
            var object: [String: Any] = ["rels": rel.rels]
            if let text = rel.text { object["text"] = text }
            if let title = rel.title { object["title"] = title }
            if let type = rel.type { object["type"] = type }
            if let media = rel.media { object["media"] = media }
            if let hreflang = rel.hreflang { object["hreflang"] = hreflang }
            relURLObjects[url] = object
        }
        return ["items": items.map(\.jsonObject), "rels": rels, "rel-urls": relURLObjects]
    }
}

extension MF2Item {
    public var jsonObject: [String: Any] {
        var properties: [String: Any] = [:]
        for (name, values) in self.properties { properties[name] = values.map(\.jsonObject) }
        var object: [String: Any] = ["type": type, "properties": properties]
        if let id { object["id"] = id }
        if let lang { object["lang"] = lang }
        if !children.isEmpty { object["children"] = children.map(\.jsonObject) }
        if let value {
            switch value {
            case .image(let url, let alt): object["value"] = ["value": url, "alt": alt]
            default: object["value"] = value.string ?? ""
            }
        }
        if let html { object["html"] = html }
        return object
    }
}

extension MF2Value {
    public var jsonObject: Any {
        switch self {
        case .text(let text): return text
        case .image(let url, let alt): return ["value": url, "alt": alt]
        case .html(let embedded, let lang):
            var object: [String: Any] = ["html": embedded.html, "value": embedded.value]
            if let lang { object["lang"] = lang }
            return object
        case .item(let item): return item.jsonObject
        }
    }
}
