import Foundation
import Testing

@testable import LinkbackCore
@testable import LinkbackKit

@Suite struct XMLRPCCodecTests {
    @Test func decodesTypedUntypedAndWhitespace() throws {
        let body = """
            <?xml version="1.0"?>
            <methodCall>
              <methodName> pingback.ping </methodName>
              <params>
                <param>
                  <value>https://a.example/?x=1&amp;y=2</value>
                </param>
                <param><value><string>https://b.example/</string></value></param>
                <param><value><int>-7</int></value></param>
                <param><value><array><data><value><boolean>1</boolean></value><value><double>1.5</double></value></data></array></value></param>
                <param><value><struct><member><name>k</name><value><base64>aGk=</base64></value></member></struct></value></param>
              </params>
            </methodCall>
            """
        let call = try XMLRPCDecoder.decode(Array(body.utf8))
        #expect(call.method == "pingback.ping")
        #expect(call.params == [
            .string("https://a.example/?x=1&y=2"), .string("https://b.example/"), .int(-7),
            .array([.bool(true), .double(1.5)]), .structure(["k": .base64(Array("hi".utf8))]),
        ])
    }

    @Test func honoursTheDeclaredEncoding() throws {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodCall><methodName>m</methodName><params><param><value>caf".utf8)
        bytes.append(0xE9)
        bytes += Array("</value></param></params></methodCall>".utf8)
        #expect(try XMLRPCDecoder.decode(bytes).params == [.string("café")])
    }

    @Test func refusesDoctypesInAnySpelling() {
        for doctype in ["<!DOCTYPE m>", "<!doctype m>", "<!DocType m []>"] {
            let body = "<?xml version=\"1.0\"?>\(doctype)<methodCall><methodName>m</methodName></methodCall>"
            #expect(throws: XMLRPCFault.parseError("a DOCTYPE is not allowed")) { try XMLRPCDecoder.decode(Array(body.utf8)) }
        }
    }

    @Test func encodesResponsesAndFaults() {
        #expect(
            XMLRPCEncoder.response(.string("a<b & \"c\""))
                == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse><params><param><value><string>a&lt;b &amp; &quot;c&quot;</string></value></param></params></methodResponse>\n"
        )
        #expect(
            XMLRPCEncoder.fault(XMLRPCFault(17, "no link\u{1}"))
                == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>17</int></value></member><member><name>faultString</name><value><string>no link</string></value></member></struct></value></fault></methodResponse>\n"
        )
        #expect(XMLRPCEncoder.response(.array([.string("a"), .int(1)])).contains("<array><data><value><string>a</string></value><value><int>1</int></value></data></array>"))
    }

    @Test func collapsingKeepsOnlyDuplicates() {
        let noLink = PingbackResult(answer: .failure(XMLRPCFault(17, "no link")), rejection: .noLink)
        #expect(noLink.wireAnswer(collapse: true) == .failure(XMLRPCFault(0, "")))
        #expect(noLink.wireAnswer(collapse: false) == .failure(XMLRPCFault(17, "no link")))
        let duplicate = PingbackResult(answer: .failure(XMLRPCFault(48, "already")), rejection: .alreadyRegistered)
        #expect(duplicate.wireAnswer(collapse: true) == .failure(XMLRPCFault(48, "already")))
    }

    /// The byte escape against the plain definition (by scalars: the five escapes, and what XML
    /// 1.0 cannot carry dropped) on generated text full of the awkward cases.
    @Test func escapingOnBytesAgreesWithTheDefinition() {
        func definition(_ text: String) -> String {
            var result = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "&": result += "&amp;"
                case "<": result += "&lt;"
                case ">": result += "&gt;"
                case "\"": result += "&quot;"
                case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
                default:
                    if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                    result.unicodeScalars.append(scalar)
                }
            }
            return result
        }
        let pieces: [String] = [
            "a", "&", "<", ">", "\"", "'", "\t", "\n", "\r", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "é", "\u{FFFE}", "\u{FFFF}",
            "\u{FFFD}", "\u{F000}", "\u{EFBF}", "ｆ", "😀", "plain words ",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(XMLRPCEncoder.escape(text) == definition(text), "\(Array(text.unicodeScalars))")
        }
        #expect(XMLRPCEncoder.escape("nothing to do") == "nothing to do")
        #expect(XMLRPCEncoder.escape("a\u{FFFF}<b\u{0}") == "a&lt;b")
    }
}
