import Foundation
import LinkbackKit

/// A notification as an Internet message (RFC 5322, MIME): `multipart/alternative` with a text
/// and an HTML part, both UTF-8 in base64, the subject an RFC 2047 encoded word when it is not
/// ASCII, and `Auto-Submitted: auto-generated` so that no one's auto-responder answers it.
public enum MailMessage {
    public static func render(
        _ message: OutgoingNotification, from: String, to: String, date: Date, messageID: String, boundary: String
    ) -> String {
        var lines = [
            "From: Linkback <\(from)>",
            "To: <\(to)>",
            "Subject: " + HeaderText.encoded(message.subject, folding: true),
            "Date: " + rfc5322(date),
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
        ]
        for (type, body) in [("text/plain", message.text), ("text/html", message.html)] {
            lines += ["--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
            lines += wrapped(Data(body.utf8).base64EncodedString())
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A `Message-ID` on the sender's domain.
    public static func newMessageID(from: String) -> String {
        let domain = from.split(separator: "@").last.map(String.init) ?? "linkback.invalid"
        return UUID().uuidString.lowercased() + "@" + domain
    }

    static func wrapped(_ base64: String) -> [String] {
        var lines: [String] = []
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(76)))
            rest = rest.dropFirst(76)
        }
        return lines
    }

    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}

/// Header text as headers must carry it: ASCII as it is (controls removed), anything else as RFC
/// 2047 `=?UTF-8?B?…?=` words of at most 75 characters. Mail subjects and push titles use it.
public enum HeaderText {
    public static func encoded(_ text: String, folding: Bool) -> String {
        let clean = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        guard !clean.unicodeScalars.allSatisfy({ $0.isASCII }) else { return clean }
        // 45 bytes of UTF-8 become 60 of base64: with the 12 of the wrapping, a word stays under 75.
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in clean.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 45 {
                words.append(word(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(word(chunk)) }
        return words.joined(separator: folding ? "\r\n " : " ")
    }

    private static func word(_ bytes: [UInt8]) -> String { "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?=" }
}
