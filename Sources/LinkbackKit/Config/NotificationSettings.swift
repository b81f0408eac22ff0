import Foundation

extension Config {
    /// `notifications`: mail and push messages to the owner, instant or in digests.
    public struct Notifications: Sendable, Equatable {
        /// How `mailto:` channels are sent.
        public struct SMTP: Sendable, Equatable {
            public enum StartTLS: String, Sendable, CaseIterable {
                /// Upgrade when the server offers STARTTLS (certificate checked), else plain.
                case auto
                /// Refuse to send unless the server offers STARTTLS.
                case always
                /// Never upgrade (a local relay on loopback).
                case never
            }

            /// Empty when mail is not configured.
            public var host: String
            public var port: Int
            /// The envelope and `From:` address.
            public var from: String
            public var username: String
            /// A file holding the password for `AUTH PLAIN` (read at each connection).
            public var passwordFile: String
            public var startTLS: StartTLS
            /// Trusted roots for the server's certificate (PEM), beside the system's; empty for the system's only.
            public var caFile: String
            public var timeoutSeconds: Double

            public init(
                host: String = "", port: Int = 25, from: String = "", username: String = "", passwordFile: String = "",
                startTLS: StartTLS = .auto, caFile: String = "", timeoutSeconds: Double = 30
            ) {
                self.host = host
                self.port = port
                self.from = from
                self.username = username
                self.passwordFile = passwordFile
                self.startTLS = startTLS
                self.caFile = caFile
                self.timeoutSeconds = timeoutSeconds
            }
        }

        /// When a channel's messages go out.
        public enum Digest: Sendable, Equatable, CustomStringConvertible {
            /// One message per event, at once.
            case off
            /// One message for everything since the first item, this many minutes after it.
            case minutes(Double)
            /// At the top of the hour after the first item.
            case hourly
            /// At `notifications.daily_hour` (the server's local time) after the first item.
            case daily

            /// `off`, `minutes:N` (N may be a fraction), `hourly` or `daily`.
            public init?(_ text: String) {
                let text = text.trimmingCharacters(in: .whitespaces).lowercased()
                switch text {
                case "", "off": self = .off
                case "hourly": self = .hourly
                case "daily": self = .daily
                default:
                    guard text.hasPrefix("minutes:"), let minutes = Double(text.dropFirst("minutes:".count)),
                        minutes > 0, minutes <= 10_080
                    else { return nil }
                    self = .minutes(minutes)
                }
            }

            public var description: String {
                switch self {
                case .off: "off"
                case .minutes(let minutes): "minutes:\(minutes.formatted(.number.grouping(.never)))"
                case .hourly: "hourly"
                case .daily: "daily"
                }
            }

            /// When a digest whose first item arrived at `first` goes out.
            public func due(after first: Date, dailyHour: Int, calendar: Calendar = .current) -> Date {
                switch self {
                case .off: return first
                case .minutes(let minutes): return first.addingTimeInterval(minutes * 60)
                case .hourly:
                    return calendar.nextDate(after: first, matching: DateComponents(minute: 0, second: 0), matchingPolicy: .nextTime)
                        ?? first.addingTimeInterval(3600)
                case .daily:
                    return calendar.nextDate(
                        after: first, matching: DateComponents(hour: dailyHour, minute: 0, second: 0), matchingPolicy: .nextTime)
                        ?? first.addingTimeInterval(86_400)
                }
            }
        }

        /// One place messages go, and what it hears.
        public struct Channel: Sendable, Equatable {
            /// `mailto:ADDRESS` or an http(s) push URL (ntfy-style); also the channel's name in the outbox.
            public var to: String
            public var events: Set<WebhookEvent>
            /// Empty for every type.
            public var types: Set<MentionType>
            /// Empty for every site.
            public var sites: Set<String>
            public var digest: Digest
            /// Only a post's first mention (the first this channel heard of).
            public var firstPerTarget: Bool

            /// What a channel hears unless it lists its events: what waits for the owner.
            public static let defaultEvents: Set<WebhookEvent> = [.pending, .held]

            public init(
                to: String, events: Set<WebhookEvent> = Channel.defaultEvents, types: Set<MentionType> = [],
                sites: Set<String> = [], digest: Digest = .off, firstPerTarget: Bool = false
            ) {
                self.to = to
                self.events = events
                self.types = types
                self.sites = sites
                self.digest = digest
                self.firstPerTarget = firstPerTarget
            }

            /// The address of a `mailto:` channel.
            public var mailAddress: String? {
                to.lowercased().hasPrefix("mailto:") ? String(to.dropFirst("mailto:".count)) : nil
            }

            /// Whether an event about a mention of this type on this site is for this channel.
            public func hears(_ event: WebhookEvent, type: MentionType, site: String) -> Bool {
                events.contains(event) && (types.isEmpty || types.contains(type)) && (sites.isEmpty || sites.contains(site))
            }
        }

        public var smtp: SMTP
        public var channels: [Channel]
        /// How long a one-click moderation link works.
        public var linkExpiryHours: Double
        /// The hour (server's local time) daily digests go out.
        public var dailyHour: Int

        public init(smtp: SMTP = SMTP(), channels: [Channel] = [], linkExpiryHours: Double = 168, dailyHour: Int = 8) {
            self.smtp = smtp
            self.channels = channels
            self.linkExpiryHours = linkExpiryHours
            self.dailyHour = dailyHour
        }

        /// What is wrong across keys: a mail channel without a mail server.
        public var problem: String? {
            guard channels.contains(where: { $0.mailAddress != nil }) else { return nil }
            if smtp.host.isEmpty { return "a mailto: channel needs notifications.smtp.host" }
            if smtp.from.isEmpty { return "a mailto: channel needs notifications.smtp.from" }
            return nil
        }

        package init(values: [String: ConfigValue]) {
            func string(_ key: String) -> String {
                if case .string(let value)? = values[key] { return value }
                return ""
            }
            func number(_ key: String) -> Double {
                switch values[key] {
                case .double(let value)?: return value
                case .int(let value)?: return Double(value)
                default: return 0
                }
            }
            smtp = SMTP(
                host: string("notifications.smtp.host"), port: Int(number("notifications.smtp.port")),
                from: string("notifications.smtp.from"), username: string("notifications.smtp.username"),
                passwordFile: string("notifications.smtp.password_file"),
                startTLS: SMTP.StartTLS(rawValue: string("notifications.smtp.starttls")) ?? .auto,
                caFile: string("notifications.smtp.ca_file"), timeoutSeconds: number("notifications.smtp.timeout_seconds"))
            linkExpiryHours = number("notifications.link_expiry_hours")
            dailyHour = Int(number("notifications.daily_hour"))
            guard case .records(let records)? = values["notifications.channels"] else {
                channels = []
                return
            }
            channels = records.compactMap(Self.channel)
        }

        /// A channel record, or `nil` when it is not one (the key's check says why).
        static func channel(_ record: [String: ConfigValue]) -> Channel? {
            guard case .string(let to)? = record["to"], Self.destinationProblem(to) == nil else { return nil }
            var channel = Channel(to: to)
            if case .strings(let names)? = record["events"], !names.isEmpty {
                channel.events = Set(names.compactMap(WebhookEvent.init(rawValue:)))
            }
            if case .strings(let names)? = record["types"] { channel.types = Set(names.compactMap(MentionType.init(rawValue:))) }
            if case .strings(let names)? = record["sites"] { channel.sites = Set(names.compactMap(HostName.normalized)) }
            if case .string(let text)? = record["digest"] {
                guard let digest = Digest(text) else { return nil }
                channel.digest = digest
            }
            if case .string(let text)? = record["first_per_target"] {
                guard let flag = ConfigKey.flag(text) else { return nil }
                channel.firstPerTarget = flag
            }
            return channel
        }

        /// Why `to` is neither `mailto:ADDRESS` nor an http(s) URL.
        static func destinationProblem(_ to: String) -> String? {
            if to.contains(where: { $0.isNewline || $0 == "\0" }) { return "to must be one line" }
            if to.lowercased().hasPrefix("mailto:") {
                let address = to.dropFirst("mailto:".count)
                let parts = address.split(separator: "@", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !address.contains(where: { $0 == " " || $0 == "<" || $0 == ">" })
                else { return "to: \"\(to)\" is not mailto:ADDRESS" }
                return nil
            }
            guard let url = URL(string: to), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
                return "to must be mailto:ADDRESS or an http(s) push URL, not \"\(to)\""
            }
            return nil
        }

        /// The `notifications.channels` check.
        static let check: @Sendable (ConfigValue) -> String? = { value in
            guard case .records(let records) = value else { return nil }
            var seen: Set<String> = []
            for (index, record) in records.enumerated() {
                let item = "item \(index + 1)"
                guard case .string(let to)? = record["to"] else { return "\(item): to is required" }
                if let problem = destinationProblem(to) { return "\(item): \(problem)" }
                guard seen.insert(to).inserted else { return "\(item): \(to) is listed twice" }
                if case .strings(let events)? = record["events"] {
                    for event in events where WebhookEvent(rawValue: event) == nil {
                        return "\(item): events are \(WebhookEvent.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(event)\""
                    }
                }
                if case .strings(let types)? = record["types"] {
                    for type in types where MentionType(rawValue: type) == nil {
                        return "\(item): types are \(MentionType.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(type)\""
                    }
                }
                if case .string(let digest)? = record["digest"], Digest(digest) == nil {
                    return "\(item): digest is off, minutes:N, hourly or daily, not \"\(digest)\""
                }
                if case .string(let flag)? = record["first_per_target"], ConfigKey.flag(flag) == nil {
                    return "\(item): first_per_target is true or false, not \"\(flag)\""
                }
            }
            return nil
        }
    }
}
