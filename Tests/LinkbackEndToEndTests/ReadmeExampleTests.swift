import Foundation
import LinkbackTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The README's `$` examples, run as printed (#16 item 9): every ```sh block marked
/// `<!-- example -->` is run in README order, in one shell, from a copy of the repository's layout
/// (its `config/`, `Public/` and the built `.build/`), against the real server the walk-through
/// starts; each command's output must match the README's, up to times, ids, tokens, process ids,
/// version numbers and the two ports (8080 and 8001 become free ones). A `...` line in the README
/// stands for any lines. A ```sh block with a `$` prompt that is not marked fails the test, so no
/// example escapes it.
@Suite struct ReadmeExampleTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Step: Equatable {
        var command: String
        var expected: [String]
    }

    /// The marked examples' steps, and the first line of every unmarked block with a prompt.
    static func examples(in readme: String) -> (steps: [Step], unmarked: [String]) {
        var steps: [Step] = []
        var unmarked: [String] = []
        var lines = readme.components(separatedBy: "\n")[...]
        var marked = false
        while let line = lines.popFirst() {
            if line == "<!-- example -->" {
                marked = true
                continue
            }
            guard line.hasPrefix("```sh") else {
                if !line.isEmpty { marked = false }
                continue
            }
            var block: [String] = []
            while let inner = lines.popFirst(), inner != "```" { block.append(inner) }
            if marked {
                steps += Self.steps(of: block)
            } else if let prompt = block.first(where: { $0.hasPrefix("$ ") }) {
                unmarked.append(prompt)
            }
            marked = false
        }
        return (steps, unmarked)
    }

    /// `$ command` lines (with heredocs and `|` or `\` continuations) and the output after each.
    static func steps(of block: [String]) -> [Step] {
        var steps: [Step] = []
        var lines = block[...]
        while let line = lines.popFirst() {
            guard line.hasPrefix("$ ") else {
                if !steps.isEmpty { steps[steps.count - 1].expected.append(line) }
                continue
            }
            var command = [String(line.dropFirst(2))]
            if let range = command[0].range(of: #"<<'?(\w+)'?"#, options: .regularExpression) {
                let terminator = command[0][range].trimmingCharacters(in: CharacterSet(charactersIn: "<'"))
                while let body = lines.popFirst() {
                    command.append(body)
                    if body == terminator { break }
                }
            }
            while let last = command.last, last.hasSuffix("|") || last.hasSuffix("\\"), let next = lines.popFirst() {
                command.append(next)
            }
            steps.append(Step(command: command.joined(separator: "\n"), expected: []))
        }
        return steps
    }

    /// A command ending in `&` (before any comment) runs in the background with its output kept
    /// apart, as a terminal would show it interleaved.
    static func shell(_ command: String) -> String {
        let background = #/^(?<body>.*[^&])&\s*(#.*)?$/#
        if !command.contains("\n"), let match = command.wholeMatch(of: background) {
            return "\(match.body) >>background.log 2>&1 &"
        }
        return "{\n\(command)\n} 2>&1"
    }

    static let marker = "@@linkback-readme-step@@"

    /// What may differ between two honest runs.
    static func normalized(_ line: String) -> String {
        var text = line
        let rules: [(String, String)] = [
            (#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#, "<time>"),
            (#"[0-9a-f]{32}"#, "<token>"),
            (#"linkback\[\d+\]"#, "linkback[<pid>]"),
            (#"curl/[0-9.]+"#, "curl/<version>"),
            (#"^Date: .*$"#, "Date: <date>"),
            (#"^Content-Length: \d+$"#, "Content-Length: <n>"),
            (#" \d+[smhd]$"#, " <age>"),
            // The hourly sparkline shifts when a run crosses an hour.
            (#"^  \|[ ▁▂▃▄▅▆▇█]{24}\|$"#, "  |<sparkline>|"),
            (#"\s+$"#, ""),
        ]
        for (pattern, replacement) in rules {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return text
    }

    static func same(_ expected: String, _ actual: String) -> Bool {
        if expected == actual { return true }
        guard expected.hasPrefix("{") || expected.hasPrefix("["), let a = JSON.value(expected), let b = JSON.value(actual)
        else { return false }
        return a.isEqual(b)
    }

    /// Whether `actual` matches `expected`, where a `...` line stands for any lines.
    static func matches(_ expected: ArraySlice<String>, _ actual: ArraySlice<String>) -> Bool {
        guard let first = expected.first else { return actual.isEmpty }
        if first == "..." {
            return (actual.startIndex...actual.endIndex).contains { matches(expected.dropFirst(), actual[$0...]) }
        }
        guard let line = actual.first, same(first, line) else { return false }
        return matches(expected.dropFirst(), actual.dropFirst())
    }

    static func trimmed(_ lines: [String]) -> [String] {
        var lines = lines
        while lines.last?.isEmpty == true { lines.removeLast() }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        return lines
    }

    @Test func parsesStepsHeredocsContinuationsAndBackgroundJobs() {
        let readme = """
            <!-- example -->
            ```sh
            $ cat > a.txt <<'EOF'
            $ not a prompt inside a heredoc
            EOF
            $ printf x |
                wc -c
            1
            $ sleep 9 &      # comment
            ```
            ```sh
            $ unmarked
            ```
            ```sh
            template, no prompt
            ```
            """
        let (steps, unmarked) = Self.examples(in: readme)
        #expect(steps.map(\.command) == ["cat > a.txt <<'EOF'\n$ not a prompt inside a heredoc\nEOF", "printf x |\n    wc -c", "sleep 9 &      # comment"])
        #expect(steps.map(\.expected) == [[], ["1"], []])
        #expect(unmarked == ["$ unmarked"])
        #expect(Self.shell("sleep 9 &      # comment") == "sleep 9  >>background.log 2>&1 &")
        #expect(Self.shell("a && b") == "{\na && b\n} 2>&1")
        #expect(Self.matches(["a", "...", "d"], ["a", "b", "c", "d"]))
        #expect(!Self.matches(["a", "...", "d"], ["a", "b", "c"]))
        #expect(Self.normalized("2026-11-26T05:35:51Z linkback[10775]: x ua=\"curl/7.88.1\"   ")
            == "<time> linkback[<pid>]: x ua=\"curl/<version>\"")
    }

    /// The README, then the guides in the order its "Where to go next" table lists them: the
    /// walk-through's shell carries on from one to the next.
    static let documents = [
        "README.md", "docs/running.md", "docs/moderating.md", "docs/integrating.md", "docs/configuration.md",
        "docs/protocols.md", "CONTRIBUTING.md",
    ]

    @Test func everyPromptExampleRunsAsPrinted() async throws {
        var steps: [Step] = []
        for document in Self.documents {
            let text = try String(contentsOf: Self.repository.appendingPathComponent(document), encoding: .utf8)
            let (found, unmarked) = Self.examples(in: text)
            #expect(unmarked.isEmpty, "\(document): blocks with a $ prompt but no <!-- example --> mark: \(unmarked)")
            steps += found
        }
        #expect(steps.count > 20)

        let directory = try TemporaryDirectory("readme")
        defer { directory.remove() }
        let ports = [("8080", String(try FreePort.find())), ("8001", String(try FreePort.find()))]
        func ported(_ text: String) -> String {
            ports.reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
        }
        let work = directory.file("repo")
        try FileManager.default.createDirectory(atPath: work + "/config", withIntermediateDirectories: true)
        let config = try String(contentsOf: Self.repository.appendingPathComponent("config/linkback.yaml"), encoding: .utf8)
        try ported(config).write(toFile: work + "/config/linkback.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: work + "/Public", withDestinationPath: Self.repository.appendingPathComponent("Public").path)
        // `.build/debug` is where the README's PATH points: there, the binary these tests run
        // (under `make sanitize` the instrumented one, which is not in the repository's .build).
        try FileManager.default.createDirectory(atPath: work + "/.build", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: work + "/.build/debug",
            withDestinationPath: URL(fileURLWithPath: LinkbackProcess.binaryPath).deletingLastPathComponent().path)

        var script = "set +e\ntrap 'kill $(jobs -p) 2>/dev/null' EXIT\ncd \(work)\n"
        for step in steps {
            script += "printf '\\n%s\\n' '\(Self.marker)'\n" + Self.shell(ported(step.command)) + "\n"
        }
        let scriptPath = try directory.write("readme.sh", script)
        let outputPath = directory.file("output.txt")
        let tmp = directory.file("tmp")
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let environment = [
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME": directory.path, "LANG": "C.UTF-8",
            "NO_COLOR": "1", "TMPDIR": tmp,
        ].merging(LinkbackProcess.sanitizerEnvironment) { _, sanitizer in sanitizer }
        let pid = try Spawn.start(
            "/bin/bash", [scriptPath], environment: environment, output: outputPath, newProcessGroup: true)
        var status: Int32 = 0
        var finished = false
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                finished = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(-pid, SIGKILL)  // whatever the script left running
        if !finished { waitpid(pid, &status, 0) }
        #expect(finished, "the README examples did not finish within 180 s")

        // HTTP headers end in CRLF, one Character in Swift: make them plain newlines first.
        let output = ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
            .replacingOccurrences(of: "\r\n", with: "\n")
        var chunks = output.components(separatedBy: "\n\(Self.marker)\n")
        chunks.removeFirst()  // before the first marker
        #expect(chunks.count == steps.count, "\(output)")
        for (step, chunk) in zip(steps, chunks) {
            let expected = Self.trimmed(step.expected.map { Self.normalized(ported($0)) })
            let actual = Self.trimmed(chunk.components(separatedBy: "\n").map(Self.normalized))
            #expect(
                Self.matches(expected[...], actual[...]),
                "$ \(step.command)\n--- README:\n\(expected.joined(separator: "\n"))\n--- got:\n\(actual.joined(separator: "\n"))")
        }
    }
}
