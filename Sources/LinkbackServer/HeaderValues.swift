import HTTPTypes
import LinkbackKit

extension HTTPFields {
    /// `self[name]` (every value of the field, joined), read without swift-http-types' generic
    /// join when the field appears once, as it nearly always does: that join was 1.3 % of a
    /// rejected request's samples in a `perf` profile.
    func value(_ name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            guard found == nil else { return self[name] }
            found = field.value
        }
        return found
    }
}

extension ForwardedHeader {
    /// The HTTP field name, made once rather than validated again for every request.
    var httpFieldName: HTTPField.Name {
        switch self {
        case .xForwardedFor: Self.xForwardedForName
        case .forwarded: Self.forwardedName
        }
    }

    private static let xForwardedForName = HTTPField.Name(ForwardedHeader.xForwardedFor.fieldName)!
    private static let forwardedName = HTTPField.Name(ForwardedHeader.forwarded.fieldName)!
}
