import Foundation

/// Output helpers: one-line errors on stderr, progress only when stderr is a terminal.
enum Terminal {
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("chemflow: error: " + message + "\n").utf8))
    }

    static func warning(_ message: String) {
        FileHandle.standardError.write(Data(("chemflow: warning: " + message + "\n").utf8))
    }

    /// Rewrites the current stderr line (terminal only).
    static func progress(_ message: String) {
        guard stderrIsTerminal else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + message).utf8))
    }

    static func endProgress() {
        guard stderrIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    /// One compact JSON object per line (JSON Lines), keys sorted for stable output.
    static func jsonLine(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

/// Exit statuses shared by all commands.
enum ExitStatus {
    static let failure: Int32 = 1
    static let notConverged: Int32 = 3
}
