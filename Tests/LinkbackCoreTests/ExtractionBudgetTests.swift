import Foundation
import Testing

@testable import LinkbackKit

/// Extraction work grows with the page, not with its nesting: the review's page (an h-entry with
/// 250 nested `e-content` divs around 16,000 links) took 31 s; and a step budget bounds every
/// shape that is still super-linear (nested h-*, nested p-*, implied names).
@Suite struct ExtractionBudgetTests {
    static let target = "https://blog.example/posts/1"

    /// Page shapes that made the parser do work proportional to depth × size.
    enum Shape: String, CaseIterable, CustomTestStringConvertible {
        case nestedEContent, nestedHEntry, nestedPName, nestedImpliedCards, manyClasses, nestedValueClass
        var testDescription: String { rawValue }

        func page(depth: Int, links: Int) -> String {
            let filler = (0..<links).map { #"<a href="https://x.example/\#($0)">link \#($0)</a> "# }.joined()
            let link = #"<a href="\#(ExtractionBudgetTests.target)">the post</a>"#
            func nest(_ open: String, _ close: String) -> String {
                String(repeating: open, count: depth) + filler + link + String(repeating: close, count: depth)
            }
            let body: String
            switch self {
            case .nestedEContent:
                body = #"<div class="h-entry"><p class="p-name">Title</p>"# + nest(#"<div class="e-content">"#, "</div>") + "</div>"
            case .nestedHEntry:
                body = nest(#"<div class="h-entry">"#, "</div>")
            case .nestedPName:
                body = #"<div class="h-entry">"# + nest(#"<div class="p-name">"#, "</div>") + "</div>"
            case .nestedImpliedCards:
                body = #"<div class="h-entry">"# + nest(#"<div class="p-author h-card">"#, "</div>") + "</div>"
            case .manyClasses:
                let classes = (0..<(depth * 40)).map { "h-v\($0)-entry p-v\($0)-name e-v\($0)-content" }.joined(separator: " ")
                body = #"<div class="h-entry"><div class="\#(classes)">"# + filler + link + "</div></div>"
            case .nestedValueClass:
                body = #"<div class="h-entry">"# + nest(#"<span class="p-summary"><span class="value">"#, "</span></span>") + "</div>"
            }
            return "<!DOCTYPE html><html><head><title>Page</title></head><body>\(body)</body></html>"
        }
    }

    private func extract(_ html: String, budget: Int = MF2Parser.defaultBudget) throws -> MentionExtractor.Result {
        let source = URL(string: "https://s.example/p")!
        let document = HTMLDocument(html: html, url: source)
        let matcher = TargetMatcher(target: URL(string: Self.target)!)
        let link = try #require(LinkFinder.links(in: document, matching: matcher).first)
        return MentionExtractor(document: document, source: source, matcher: matcher, maxContentLength: 2000, budget: budget)
            .extract(link: link)
    }

    private func elementCount(_ html: String) -> Int {
        let document = HTMLDocument(html: html)
        return document.root.descendants().count + 1
    }

    @Test func theReviewedPageCostsTimeProportionalToItsSize() throws {
        let html = Shape.nestedEContent.page(depth: 250, links: 16_000)
        #expect(html.utf8.count > 350_000)
        let result = try extract(html)
        #expect(!result.budgetExceeded)
        // The content was extracted (and cut to verification.max_content_length).
        #expect(result.content.contentText?.hasPrefix("link 0 link 1") == true)
        #expect(result.content.contentHTML?.isEmpty == false)
        #expect(result.content.title == "Title")
        // Each element a handful of steps, whatever the nesting.
        #expect(result.steps < 10 * elementCount(html), "\(result.steps) steps for \(elementCount(html)) elements")
    }

    @Test func nestedEContentCostDoesNotGrowWithDepthTimesSize() throws {
        let shallow = try extract(Shape.nestedEContent.page(depth: 10, links: 4000)).steps
        let deep = try extract(Shape.nestedEContent.page(depth: 240, links: 4000)).steps
        // 230 more elements, not 230 more copies of 4,000 links.
        #expect(deep - shallow < 5_000, "shallow \(shallow), deep \(deep)")
    }

    @Test(arguments: Shape.allCases)
    func everyShapeStaysWithinItsBudget(shape: Shape) throws {
        let budget = 200_000
        let html = shape.page(depth: 120, links: 3000)
        let result = try extract(html, budget: budget)
        #expect(result.steps <= budget)
        if result.budgetExceeded {
            // The clear outcome: a plain mention with the page's title and the excerpt around the link.
            #expect(result.content.type == .mention)
            #expect(result.content.title == "Page")
            #expect(result.content.excerpt?.contains("the post") == true)
            #expect(result.content.contentHTML == nil)
        }
    }

    @Test func aSmallBudgetGivesAPlainMentionNotAFailure() throws {
        let result = try extract(Shape.nestedHEntry.page(depth: 200, links: 3000), budget: 10_000)
        #expect(result.budgetExceeded)
        #expect(result.steps == 10_000)
        #expect(result.content.excerpt?.contains("the post") == true)
    }

    @Test func realPagesStayFarBelowTheDefaultBudget() throws {
        let pages = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pages")
        for name in try FileManager.default.contentsOfDirectory(atPath: pages.path) where name.hasSuffix(".html") {
            let html = try String(contentsOf: pages.appendingPathComponent(name), encoding: .utf8)
            let document = HTMLDocument(html: html, url: URL(string: "https://s.example/")!)
            let parsed = MF2Parser.parse(document)
            #expect(!parsed.budgetExceeded, "\(name)")
            #expect(parsed.stepsSpent < MF2Parser.defaultBudget / 100, "\(name): \(parsed.stepsSpent)")
        }
    }
}
