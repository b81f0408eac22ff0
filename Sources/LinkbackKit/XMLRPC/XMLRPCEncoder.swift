import Foundation

/// Encodes `methodResponse` documents.
public enum XMLRPCEncoder {
    package static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

    public static func response(_ value: XMLRPCValue) -> String {
        declaration + "<methodResponse><params><param><value>\(encode(value))</value></param></params></methodResponse>\n"
    }

    /// A fault with exactly the members `faultCode` (int) and `faultString` (string).
    public static func fault(_ fault: XMLRPCFault) -> String {
        declaration + "<methodResponse><fault><value><struct>"
            + "<member><name>faultCode</name><value><int>\(fault.code)</int></value></member>"
            + "<member><name>faultString</name><value><string>\(escape(fault.message))</string></value></member>"
            + "</struct></value></fault></methodResponse>\n"
    }

    /// A `methodCall` (Linkback's own pings when it sends).
    public static func call(_ method: String, _ params: [XMLRPCValue]) -> String {
        declaration + "<methodCall><methodName>\(escape(method))</methodName><params>"
            + params.map { "<param><value>\(encode($0))</value></param>" }.joined() + "</params></methodCall>\n"
    }

    package static func encode(_ value: XMLRPCValue) -> String {
        switch value {
        case .string(let text): return "<string>\(escape(text))</string>"
        case .int(let number): return "<int>\(number)</int>"
        case .bool(let flag): return "<boolean>\(flag ? 1 : 0)</boolean>"
        case .double(let number): return "<double>\(number)</double>"
        case .base64(let bytes): return "<base64>\(Data(bytes).base64EncodedString())</base64>"
        case .dateTime(let text): return "<dateTime.iso8601>\(escape(text))</dateTime.iso8601>"
        case .nil: return "<nil/>"
        case .array(let items):
            return "<array><data>" + items.map { "<value>\(encode($0))</value>" }.joined() + "</data></array>"
        case .structure(let members):
            return "<struct>"
                + members.keys.sorted().map { "<member><name>\(escape($0))</name><value>\(encode(members[$0]!))</value></member>" }
                    .joined() + "</struct>"
        }
    }

    /// XML text escaping; characters XML 1.0 cannot carry are dropped. Over UTF-8 bytes (every
    /// fault's message passes here; by scalars it was a fifth of a malformed request's own work):
    /// what is escaped or dropped is ASCII, or U+FFFE/U+FFFF (`EF BF BE`, `EF BF BF`).
    package static func escape(_ text: String) -> String {
        func needsWork(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x26, 0x3C, 0x3E, 0x22, 0xEF: return true
            case 0x09, 0x0A, 0x0D: return false
            default: return byte < 0x20
            }
        }
        guard text.utf8.contains(where: needsWork) else { return text }
        let bytes = Array(text.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 16)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case 0x26: result += "&amp;".utf8
            case 0x3C: result += "&lt;".utf8
            case 0x3E: result += "&gt;".utf8
            case 0x22: result += "&quot;".utf8
            case 0x09, 0x0A, 0x0D: result.append(byte)
            case 0xEF where index + 1 < bytes.count && bytes[index] == 0xBF && (bytes[index + 1] == 0xBE || bytes[index + 1] == 0xBF):
                index += 2
            default:
                if byte < 0x20 { continue }
                result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
