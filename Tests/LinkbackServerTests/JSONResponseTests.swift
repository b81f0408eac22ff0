import Foundation
import Testing

@testable import LinkbackServer

/// The hand-built JSON of error answers writes exactly what `JSONEncoder` writes.
@Suite struct JSONResponseTests {
    @Test(arguments: [
        "plain words",
        "quote \" backslash \\ slash / https://blog.example/a?b=c&d",
        "controls \n \r \t \u{8} \u{C} \u{0} \u{1F} \u{7F}",
        "non-ASCII caf\u{E9} \u{2028} \u{1F600} \u{85}",
        "",
    ])
    func errorAnswersMatchJSONEncoder(text: String) throws {
        let answer = ErrorAnswer(error: "invalid_request", errorDescription: text)
        #expect(String(decoding: answer.jsonBytes, as: UTF8.self) == String(decoding: JSONResponse.encode(answer), as: UTF8.self))
        let decoded = try JSONSerialization.jsonObject(with: Data(answer.jsonBytes)) as? [String: String]
        #expect(decoded == ["error": "invalid_request", "error_description": text])
    }
}
