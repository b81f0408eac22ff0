import Foundation
import Testing

/// `config/grafana/linkback.json` is a Grafana dashboard that reads only series Linkback exports
/// and documents (docs/running.md's metrics table): a renamed metric cannot leave a panel empty.
@Suite struct GrafanaDashboardTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func everyPanelQueriesADocumentedSeries() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("config/grafana/linkback.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(panels.count >= 8)
        #expect(Set(panels.compactMap { $0["id"] as? Int }).count == panels.count, "panel ids are unique")
        let running = try String(contentsOf: Self.root.appendingPathComponent("docs/running.md"), encoding: .utf8)
        let documented = Set(running.split(separator: "\n").filter { $0.hasPrefix("| `linkback_") }.compactMap { line in
            line.dropFirst(3).prefix { $0 != "`" && $0 != "{" }.description
        })
        #expect(documented.contains("linkback_rejections_total"))
        var used: Set<String> = []
        for panel in panels {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                let expression = try #require(target["expr"] as? String)
                let names = expression.matches(of: /linkback_[a-z_]+/).map { String($0.output) }
                #expect(!names.isEmpty, "\(expression)")
                for name in names {
                    let family = name.replacing(/_(bucket|sum|count)$/, with: "")
                    used.insert(family)
                    #expect(documented.contains(family), "\(panel["title"] ?? "") reads \(family), which docs/running.md does not list")
                }
            }
        }
        #expect(used.isSuperset(of: ["linkback_rejections_total", "linkback_bans_total", "linkback_mentions"]))
    }
}
