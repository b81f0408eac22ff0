import Testing

@testable import LinkbackKit

@Suite struct ContentTypeHeaderTests {
    @Test(arguments: [
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded", nil),
        ("Text/HTML; Charset=\"ISO-8859-1\"", "text/html", "iso-8859-1"),
        ("  text/xml ;\tcharset = 'utf-8' ", "text/xml", "utf-8"),
        ("text/html;charset=utf-8;foo=bar", "text/html", "utf-8"),
        ("text/html; foo=bar", "text/html", nil),
        ("text/html; charset", "text/html", nil),
        ("; charset=utf-8", nil, "utf-8"),
        ("", nil, nil),
        ("   ", nil, nil),
    ] as [(String, String?, String?)])
    func splitsMediaTypeAndCharset(header: String, mediaType: String?, charset: String?) {
        let parsed = ContentTypeHeader.parse(header)
        #expect(parsed.mediaType == mediaType)
        #expect(parsed.charset == charset)
    }

    @Test func noHeaderIsNothing() {
        #expect(ContentTypeHeader.parse(nil) == (nil, nil))
    }
}
