import Foundation

/// An XML-RPC value.
public indirect enum XMLRPCValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case double(Double)
    case base64([UInt8])
    case dateTime(String)
    case array([XMLRPCValue])
    case structure([String: XMLRPCValue])
    case `nil`

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }
}

/// A decoded `methodCall`.
public struct XMLRPCCall: Sendable, Equatable {
    public var method: String
    public var params: [XMLRPCValue]
}

/// An XML-RPC fault: `faultCode` and `faultString`.
public struct XMLRPCFault: Error, Sendable, Equatable {
    public var code: Int
    public var message: String

    public init(_ code: Int, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Protocol-level faults (the interoperability convention).
    public static func parseError(_ why: String) -> XMLRPCFault { XMLRPCFault(-32700, "parse error: \(why)") }
    public static func invalidRequest(_ why: String) -> XMLRPCFault { XMLRPCFault(-32600, "invalid request: \(why)") }
    public static func methodNotFound(_ name: String) -> XMLRPCFault {
        XMLRPCFault(-32601, "requested method \(name) not found")
    }
    public static func invalidParams(_ why: String) -> XMLRPCFault { XMLRPCFault(-32602, "invalid method parameters: \(why)") }
}
