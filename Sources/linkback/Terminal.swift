import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the standard output is: a terminal (colour, width) or a pipe.
enum Terminal {
    static var isTTY: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Colour only on a terminal and never with NO_COLOR set.
    static var colors: Bool { isTTY && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

    static var width: Int {
        var size = winsize()
        if isTTY, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 20 { return columns }
        return 120
    }

    static func paint(_ text: String, _ status: String) -> String {
        guard colors else { return text }
        let code: String
        switch status {
        case "approved": code = "32"
        case "pending", "queued": code = "33"
        case "rejected", "spam": code = "31"
        default: code = "2"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    /// `text` cut to `width` characters with an ellipsis.
    static func fit(_ text: String, _ width: Int) -> String {
        guard text.count > width, width > 1 else { return text }
        return String(text.prefix(width - 1)) + "…"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
