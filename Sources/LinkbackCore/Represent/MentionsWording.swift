import Foundation

/// The words and dates of ``MentionsFragment`` (and so of the `mentions.js` widget, which shows
/// the fragment) in a reader's language: English, German, French, Spanish or Dutch; English for
/// any other language, and for a word a language lacks.
public struct MentionsWording: Sendable, Equatable {
    /// The language shown (`en`, `de`, …): the one asked for when its words are here, else `en`.
    public let language: String
    let words: [Key: String]

    enum Key: String, Sendable, CaseIterable {
        case heading, likes, reposts, bookmarks, replied, rsvp, mentioned, more, empty
    }

    /// Every word, by language; `en` has them all.
    static let table: [String: [Key: String]] = [
        "en": [.heading: "Mentions", .likes: "Likes", .reposts: "Reposts", .bookmarks: "Bookmarks", .replied: "replied",
               .rsvp: "RSVPed", .mentioned: "mentioned this", .more: "Show more", .empty: "No mentions yet."],
        "de": [.heading: "Erwähnungen", .likes: "Gefällt", .reposts: "Geteilt", .bookmarks: "Lesezeichen", .replied: "antwortete",
               .rsvp: "Zusage:", .mentioned: "erwähnte dies", .more: "Mehr zeigen", .empty: "Noch keine Erwähnungen."],
        "fr": [.heading: "Mentions", .likes: "J’aime", .reposts: "Partages", .bookmarks: "Signets", .replied: "a répondu",
               .rsvp: "Réponse :", .mentioned: "a mentionné ceci", .more: "Afficher plus",
               .empty: "Aucune mention pour l’instant."],
        "es": [.heading: "Menciones", .likes: "Me gusta", .reposts: "Compartido", .bookmarks: "Marcadores", .replied: "respondió",
               .rsvp: "Respuesta:", .mentioned: "mencionó esto", .more: "Mostrar más", .empty: "Aún no hay menciones."],
        "nl": [.heading: "Vermeldingen", .likes: "Vind-ik-leuks", .reposts: "Gedeeld", .bookmarks: "Bladwijzers", .replied: "reageerde",
               .rsvp: "Antwoord:", .mentioned: "noemde dit", .more: "Meer tonen", .empty: "Nog geen vermeldingen."],
    ]

    public static let english = MentionsWording(language: "en")

    /// The wording for a BCP 47 tag (`de-AT` reads as `de`); `nil` or an unknown language is English.
    public init(language tag: String?) {
        let primary = tag.map { String($0.lowercased().prefix { $0.isLetter }) } ?? "en"
        language = Self.table[primary] == nil ? "en" : primary
        words = Self.table[language] ?? [:]
        locale = Locale(identifier: language)
    }

    /// Whether `text` is a language tag a reader may send (`de`, `en-GB`, `zh-Hant-TW`): letters,
    /// digits and hyphens, at most 35 characters.
    public static func isLanguageTag(_ text: String) -> Bool {
        (1...35).contains(text.utf8.count) && text.first?.isLetter == true
            && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
    }

    subscript(_ key: Key) -> String { words[key] ?? Self.table["en"]?[key] ?? key.rawValue }

    private let locale: Locale

    /// A date as this language writes it, month named (`Dec 6, 2026`, `06.12.2026` never): the
    /// day as written at the source (in its own offset), `nil` for text that is no date.
    public func date(_ text: String) -> String? {
        guard let date = Date(iso8601: text) else { return nil }
        let zone = Self.offset(of: text) ?? TimeZone(secondsFromGMT: 0) ?? .current
        return date.formatted(Date.FormatStyle(locale: locale, timeZone: zone).year().month(.abbreviated).day())
    }

    /// The offset a timestamp was written in (`+01:00`, `-0500`, `Z`), `nil` for none.
    static func offset(of text: String) -> TimeZone? {
        guard let time = text.firstIndex(of: "T") else { return nil }
        let clock = text[time...]
        if clock.hasSuffix("Z") || clock.hasSuffix("z") { return TimeZone(secondsFromGMT: 0) }
        guard let sign = clock.lastIndex(where: { $0 == "+" || $0 == "-" }) else { return nil }
        let digits = clock[clock.index(after: sign)...].filter(\.isNumber)
        guard digits.count == 4, let hours = Int(digits.prefix(2)), let minutes = Int(digits.suffix(2)) else { return nil }
        let seconds = (hours * 3600 + minutes * 60) * (clock[sign] == "-" ? -1 : 1)
        return TimeZone(secondsFromGMT: seconds)
    }

    public static func == (lhs: MentionsWording, rhs: MentionsWording) -> Bool { lhs.language == rhs.language }
}
