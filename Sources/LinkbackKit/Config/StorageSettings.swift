import Foundation

extension Config {
    /// What Linkback stores of a mention, and for how long (`storage.*`): data minimisation.
    public struct Storage: Sendable, Equatable {
        /// What of a verified mention's content a `storage.keep` entry keeps.
        public enum Field: String, Sendable, CaseIterable {
            /// The author's name, URL and photo.
            case author
            /// The title, excerpt, text and HTML, and the comments nested in it.
            case content
        }

        /// `storage.keep`: per type, the fields kept (a type not named keeps everything).
        public var keep: [MentionType: Set<Field>]
        /// `storage.forget_client_after_days`: a mention's client address and user agent are erased
        /// this long after it last arrived (0: kept).
        public var forgetClientAfterDays: Double

        public init(keep: [MentionType: Set<Field>] = [:], forgetClientAfterDays: Double = 0) {
            self.keep = keep
            self.forgetClientAfterDays = forgetClientAfterDays
        }

        init(values: [String: ConfigValue]) {
            var keep: [MentionType: Set<Field>] = [:]
            if case .records(let records)? = values["storage.keep"] {
                for record in records {
                    guard case .strings(let types)? = record["types"] else { continue }
                    let fields: Set<Field>
                    if case .strings(let names)? = record["fields"] { fields = Set(names.compactMap(Field.init)) } else { fields = [] }
                    for type in types.compactMap(MentionType.init) where keep[type] == nil { keep[type] = fields }
                }
            }
            var days = 0.0
            if case .double(let value)? = values["storage.forget_client_after_days"] { days = value }
            self.init(keep: keep, forgetClientAfterDays: days)
        }

        /// `content` with only what `storage.keep` keeps for its type.
        public func kept(_ content: MentionContent) -> MentionContent {
            guard let fields = keep[content.type] else { return content }
            var kept = content
            if !fields.contains(.author) { (kept.authorName, kept.authorURL, kept.authorPhoto) = (nil, nil, nil) }
            if !fields.contains(.content) {
                (kept.title, kept.excerpt, kept.contentText, kept.contentHTML, kept.children) = (nil, nil, nil, nil, nil)
            }
            return kept
        }

        /// The date before which mentions' client addresses are erased at `now`; `nil` when kept.
        public func clientCutoff(now: Date) -> Date? {
            forgetClientAfterDays > 0 ? now.addingTimeInterval(-forgetClientAfterDays * 86_400) : nil
        }

        /// The `storage.keep` records, checked by the loader.
        static let check: @Sendable (ConfigValue) -> String? = { value in
            guard case .records(let records) = value else { return nil }
            for (index, record) in records.enumerated() {
                if case .strings(let types)? = record["types"] {
                    for type in types where MentionType(rawValue: type) == nil {
                        return "item \(index + 1): types are \(MentionType.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(type)\""
                    }
                }
                if case .strings(let fields)? = record["fields"] {
                    for field in fields where Field(rawValue: field) == nil {
                        return "item \(index + 1): fields are \(Field.allCases.map(\.rawValue).joined(separator: " and ")), not \"\(field)\""
                    }
                }
            }
            return nil
        }
    }
}
