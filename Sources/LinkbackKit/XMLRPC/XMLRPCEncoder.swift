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

    /// XML text escaping; characters XML 1.0 cannot carry are dropped.
    package static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
