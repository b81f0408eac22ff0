import Foundation

/// A progress line on a terminal's stderr (done/total, rate, ETA); silent when not a terminal.
final class Progress {
    let total: Int
    let label: String
    private let started = Date()
    private let enabled = isatty(STDERR_FILENO) == 1
    private(set) var done = 0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func step() {
        done += 1
        guard enabled else { return }
        let elapsed = max(0.001, Date().timeIntervalSince(started))
        let rate = Double(done) / elapsed
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let width = 24
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\r\(label) [\(bar)] \(done)/\(total)  \(String(format: "%.1f", rate))/s  ETA \(Int(remaining.rounded()))s "
        FileHandle.standardError.write(Data(line.utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
