import CLibXML2

/// XML parsed defensively with libxml2, for the XML-RPC decoder and the feeds `linkback send
/// --feed` reads: no network, no entity substitution, no DTD loading, and any DOCTYPE refused
/// before libxml2 sees the document (so no entity can be declared: no billion laughs, no
/// external entities).
package enum SafeXML {
    package enum Refusal: Error, Equatable, CustomStringConvertible {
        case empty, doctype, notWellFormed

        package var description: String {
            switch self {
            case .empty: return "empty body"
            case .doctype: return "a DOCTYPE is not allowed"
            case .notWellFormed: return "not well-formed XML"
            }
        }
    }

    /// Parses `bytes`; the caller frees the document (`xmlFreeDoc`).
    package static func read(_ bytes: [UInt8]) -> Result<xmlDocPtr, Refusal> {
        guard !bytes.isEmpty else { return .failure(.empty) }
        if containsDoctype(bytes) { return .failure(.doctype) }
        LibXML.prepare()
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let parsed: xmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlReadMemory($0, Int32(buffer.count), nil, nil, options)
            }
        }
        guard let document = parsed else { return .failure(.notWellFormed) }
        guard document.pointee.intSubset == nil, document.pointee.extSubset == nil else {
            xmlFreeDoc(document)
            return .failure(.doctype)
        }
        return .success(document)
    }

    /// `<!DOCTYPE` anywhere (case-insensitive).
    package static func containsDoctype(_ bytes: [UInt8]) -> Bool {
        let needle = Array("<!doctype".utf8)
        guard bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start] == UInt8(ascii: "<") {
            var matched = true
            // `| 0x20` lower-cases ASCII letters and leaves `!` as it is.
            for offset in 1..<needle.count where bytes[start + offset] | 0x20 != needle[offset] {
                matched = false
                break
            }
            if matched { return true }
        }
        return false
    }

    /// An element's local name (without its namespace prefix).
    package static func name(_ node: xmlNodePtr) -> String {
        String(cString: node.pointee.name)
    }

    /// The namespace URI of an element, if it has one.
    package static func namespace(_ node: xmlNodePtr) -> String? {
        node.pointee.ns.flatMap { $0.pointee.href }.map { String(cString: $0) }
    }

    package static func elements(_ node: xmlNodePtr) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    /// The text of an element and its descendants.
    package static func text(_ node: xmlNodePtr) -> String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { linkback_xmlFree(content) }
        return String(cString: content)
    }

    /// An attribute's value (without a namespace).
    package static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { linkback_xmlFree(value) }
        return String(cString: value)
    }

    /// `bytes` as an ``XMLTree`` (nothing deeper than `maxDepth` kept), or why not.
    package static func tree(_ bytes: [UInt8], maxDepth: Int = 32) -> Result<XMLTree, Refusal> {
        read(bytes).flatMap { document in
            defer { xmlFreeDoc(document) }
            guard let root = xmlDocGetRootElement(document) else { return .failure(.notWellFormed) }
            return .success(XMLTree(root, depth: maxDepth))
        }
    }
}

/// An XML element as a value, made by ``SafeXML/tree(_:maxDepth:)``: what code outside the
/// libxml2 layer reads (feeds).
public struct XMLTree: Sendable, Equatable {
    /// The local name, without its namespace prefix.
    public var name: String
    public var namespace: String?
    /// Attributes without a namespace.
    public var attributes: [String: String]
    public var children: [XMLTree]
    /// The text (and CDATA) directly inside the element, not its children's.
    public var text: String

    init(_ node: xmlNodePtr, depth: Int) {
        name = SafeXML.name(node)
        namespace = SafeXML.namespace(node)
        var attributes: [String: String] = [:]
        var attribute = node.pointee.properties
        while let current = attribute {
            if current.pointee.ns == nil, let name = current.pointee.name {
                let key = String(cString: name)
                attributes[key] = SafeXML.attribute(node, key)
            }
            attribute = current.pointee.next
        }
        self.attributes = attributes
        var children: [XMLTree] = []
        var text = ""
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE where depth > 0: children.append(XMLTree(current, depth: depth - 1))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { text += String(cString: content) }
            default: break
            }
            child = current.pointee.next
        }
        self.children = children
        self.text = text
    }

    /// The children named `name`.
    public func elements(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }

    /// The text of the first child named one of `names`, in that order of preference.
    public func text(of names: String...) -> String? {
        for name in names { if let found = children.first(where: { $0.name == name }) { return found.text } }
        return nil
    }
}
