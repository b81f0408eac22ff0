import Foundation
import Hummingbird
import LinkbackKit

/// How a client wants its answer, from the Accept header.
enum Preferred {
    case json
    case html
    case text

    /// JSON unless the client asks for HTML or plain text and not for JSON.
    init(_ request: Request) {
        let accept = request.headers.value(.accept)?.lowercased() ?? ""
        if accept.contains("application/json") || accept.isEmpty {
            self = .json
        } else if accept.contains("text/html") {
            self = .html
        } else if accept.contains("text/plain") {
            self = .text
        } else {
            self = .json
        }
    }
}

/// Plain-text and HTML responses (JSON is ``JSONResponse``).
enum TextResponse {
    static func plain(_ status: HTTPResponse.Status, _ text: String, headers: HTTPFields = [:]) -> Response {
        make(status, text + "\n", type: "text/plain; charset=utf-8", headers: headers)
    }

    /// A minimal HTML page; `title` and `body` must already be escaped.
    static func page(_ status: HTTPResponse.Status, title: String, body: String, headers: HTTPFields = [:]) -> Response {
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>\(title)</title><link rel="stylesheet" href="/linkback.css"></head><body>\(body)</body></html>
            """
        return make(status, html, type: "text/html; charset=utf-8", headers: headers)
    }

    static func make(_ status: HTTPResponse.Status, _ text: String, type: String, headers: HTTPFields) -> Response {
        var fields = headers
        fields[.contentType] = type
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// An error answer in the shape the client prefers: `{"error", "error_description"}` JSON, or text.
struct ErrorAnswer: Encodable {
    var error: String
    var errorDescription: String

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }

    /// Always JSON (the APIs).
    func json(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        JSONResponse.make(status, bytes: jsonBytes, headers: headers)
    }

    /// What `JSONEncoder` would write, built directly: spam gets this answer, so it is cheap.
    var jsonBytes: [UInt8] {
        JSONResponse.object(["error": error, "error_description": errorDescription])
    }

    func response(_ status: HTTPResponse.Status, for request: Request, headers: HTTPFields = [:]) -> Response {
        switch Preferred(request) {
        case .json: return json(status, headers: headers)
        case .text: return TextResponse.plain(status, "\(error): \(errorDescription)", headers: headers)
        case .html:
            return TextResponse.page(
                status, title: HTMLEscaping.escape(error),
                body: "<h1>\(HTMLEscaping.escape(error))</h1><p>\(HTMLEscaping.escape(errorDescription))</p>",
                headers: headers)
        }
    }
}
