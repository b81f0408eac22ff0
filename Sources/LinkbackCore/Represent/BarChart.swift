import Foundation

/// A series as horizontal bars for a terminal (`linkback stats --hourly`, `--daily`): one line per
/// period with its label, a bar scaled to the largest total (eighths of a cell, so small counts
/// still show), the total and its largest parts ("no-link 30, malformed-xml 12").
public enum BarChart {
    public struct Row: Sendable {
        public var label: String
        public var parts: [String: Int]

        public init(label: String, parts: [String: Int]) {
            self.label = label
            self.parts = parts
        }

        public var total: Int { parts.values.reduce(0, +) }
    }

    public static func render(_ rows: [Row], width: Int = 40, shownParts: Int = 3) -> [String] {
        let top = rows.map(\.total).max() ?? 0
        let labelWidth = rows.map(\.label.count).max() ?? 0
        let totalWidth = String(top).count
        let eighths = Array(" ▏▎▍▌▋▊▉")
        return rows.map { row in
            let scaled = top == 0 ? 0 : (row.total * width * 8 + top - 1) / top
            var bar = String(repeating: "█", count: scaled / 8)
            if scaled % 8 > 0 { bar.append(eighths[scaled % 8]) }
            let label = row.label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            let total = String(repeating: " ", count: totalWidth - String(row.total).count) + String(row.total)
            let parts = row.parts.filter { $0.value > 0 }
                .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            var text = parts.prefix(shownParts).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            if parts.count > shownParts { text += ", …" }
            let line = "  \(label) \(bar.padding(toLength: width, withPad: " ", startingAt: 0)) \(total)" + (text.isEmpty ? "" : "  \(text)")
            return line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }
}
