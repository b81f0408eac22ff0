import CLibXML2
import Foundation

/// Decodes XML-RPC `methodCall` documents with libxml2, defensively (``SafeXML``: no network,
/// no entities, any DOCTYPE refused), value nesting capped.
public enum XMLRPCDecoder {
    /// Deepest value nesting (arrays and structs) accepted.
    public static let maxDepth = 32

    public static func decode(_ bytes: [UInt8]) throws(XMLRPCFault) -> XMLRPCCall {
        try withRoot(bytes, named: "methodCall") { root throws(XMLRPCFault) in try call(root) }
    }

    /// Decodes a `methodResponse` (what a pingback server answers Linkback's own pings): its
    /// value, or the fault it carries. A document that is not one throws.
    public static func decodeResponse(_ bytes: [UInt8]) throws(XMLRPCFault) -> Result<XMLRPCValue, XMLRPCFault> {
        try withRoot(bytes, named: "methodResponse") { root throws(XMLRPCFault) in
            let children = elements(root)
            if let fault = children.first(where: { name($0) == "fault" }) {
                guard let value = elements(fault).first, name(value) == "value",
                    case .structure(let members) = try decodeValue(value, depth: 0)
                else { throw .invalidRequest("malformed fault") }
                let code = if case .int(let number)? = members["faultCode"] { number } else { 0 }
                return .failure(XMLRPCFault(code, members["faultString"]?.string ?? ""))
            }
            guard let params = children.first(where: { name($0) == "params" }),
                let param = elements(params).first, name(param) == "param",
                let value = elements(param).first, name(value) == "value"
            else { throw .invalidRequest("a methodResponse without params or fault") }
            return .success(try decodeValue(value, depth: 0))
        }
    }

    /// Parses `bytes` defensively and hands `body` the root element, which must be `rootName`.
    private static func withRoot<T>(
        _ bytes: [UInt8], named rootName: String, _ body: (xmlNodePtr) throws(XMLRPCFault) -> T
    ) throws(XMLRPCFault) -> T {
        let document: xmlDocPtr
        switch SafeXML.read(bytes) {
        case .success(let parsed): document = parsed
        case .failure(let refusal): throw .parseError(refusal.description)
        }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document), name(root) == rootName else {
            throw .invalidRequest("the document is not a \(rootName)")
        }
        return try body(root)
    }

    private static func call(_ root: xmlNodePtr) throws(XMLRPCFault) -> XMLRPCCall {
        let children = elements(root)
        guard let methodElement = children.first(where: { name($0) == "methodName" }) else {
            throw .invalidRequest("no methodName")
        }
        let method = text(methodElement).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !method.isEmpty else { throw .invalidRequest("empty methodName") }
        var params: [XMLRPCValue] = []
        if let paramsElement = children.first(where: { name($0) == "params" }) {
            for param in elements(paramsElement) {
                guard name(param) == "param", let value = elements(param).first, name(value) == "value" else {
                    throw .invalidRequest("malformed param")
                }
                params.append(try decodeValue(value, depth: 0))
            }
        }
        return XMLRPCCall(method: method, params: params)
    }

    private static func decodeValue(_ node: xmlNodePtr, depth: Int) throws(XMLRPCFault) -> XMLRPCValue {
        guard depth <= maxDepth else { throw .invalidRequest("values nested deeper than \(maxDepth)") }
        guard let typed = elements(node).first else { return .string(text(node)) }
        let content = text(typed)
        let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
        switch name(typed) {
        case "string": return .string(content)
        case "int", "i4", "i8":
            guard let value = Int(trimmed) else { throw .invalidRequest("bad int \(trimmed.prefix(40))") }
            return .int(value)
        case "boolean":
            guard trimmed == "0" || trimmed == "1" else { throw .invalidRequest("bad boolean") }
            return .bool(trimmed == "1")
        case "double":
            guard let value = Double(trimmed) else { throw .invalidRequest("bad double") }
            return .double(value)
        case "base64":
            guard let data = Data(base64Encoded: trimmed, options: .ignoreUnknownCharacters) else {
                throw .invalidRequest("bad base64")
            }
            return .base64([UInt8](data))
        case "dateTime.iso8601": return .dateTime(trimmed)
        case "nil": return .nil
        case "array":
            guard let data = elements(typed).first(where: { name($0) == "data" }) else { return .array([]) }
            var items: [XMLRPCValue] = []
            for value in elements(data) where name(value) == "value" {
                items.append(try decodeValue(value, depth: depth + 1))
            }
            return .array(items)
        case "struct":
            var members: [String: XMLRPCValue] = [:]
            for member in elements(typed) where name(member) == "member" {
                let parts = elements(member)
                guard let key = parts.first(where: { name($0) == "name" }),
                    let value = parts.first(where: { name($0) == "value" })
                else { throw .invalidRequest("malformed struct member") }
                members[text(key)] = try decodeValue(value, depth: depth + 1)
            }
            return .structure(members)
        default:
            throw .invalidRequest("unknown value type \(name(typed).prefix(40))")
        }
    }

    private static func name(_ node: xmlNodePtr) -> String { SafeXML.name(node) }

    private static func elements(_ node: xmlNodePtr) -> [xmlNodePtr] { SafeXML.elements(node) }

    private static func text(_ node: xmlNodePtr) -> String { SafeXML.text(node) }
}
