#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A child process started with `posix_spawn` and reaped with `waitpid`.
///
/// The tests run the `chemflow` executable and their own test binary many times, from many
/// threads at once. Foundation's `Process.waitUntilExit()` polls a run loop and is known to hang
/// on Linux when called off the main thread under load (swift-corelibs-foundation #5153,
/// swiftlang/swift #79881), which turned a green suite into a CI timeout. Nothing here uses a
/// run loop, a pipe or a helper thread: output goes to files, exit status comes from `waitpid`.
public final class ChildProcess: @unchecked Sendable {
    /// How a child ended.
    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    public let pid: pid_t
    private let lock = NSLock()

    /// glibc's posix_spawn_file_actions_addclosefrom_np, looked up at run time.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()
    private var ended: Termination?

    /// Starts `executable` with `arguments`. Standard input is `/dev/null`; standard output and
    /// error go to the given files (created or truncated), or to `/dev/null` when `nil`.
    public init(executable: String, arguments: [String], environment: [String: String],
                standardOutput: String? = nil, standardError: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let flags = O_WRONLY | O_CREAT | O_TRUNC
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput ?? "/dev/null", flags, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, standardError ?? "/dev/null", flags, 0o644)
        // Nothing else crosses into the child. The parent's other threads open HDF5 files (which
        // take a flock() lock) without O_CLOEXEC; a spawn between such an open and the
        // close-on-exec flag HDF5File sets right after would hand the child the descriptor and
        // with it the lock, and a later reopen in the parent fails ("unable to lock file",
        // seen once in CI). glibc ≥ 2.34 has the call; Swift's Glibc module does not export it.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, nil, argv, envp)
        guard rc == 0 else {
            throw NSError(domain: "ChildProcess", code: Int(rc),
                          userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable): \(String(cString: strerror(rc)))"])
        }
        pid = child
    }

    /// Reaps the child if it has ended; `block` waits for it.
    private func reap(block: Bool) -> Termination? {
        lock.lock()
        defer { lock.unlock() }
        if let ended { return ended }
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, block ? 0 : WNOHANG)
            if r == -1 && errno == EINTR { continue }
            if r != pid { return nil }
            break
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros; these are their definitions.
        let signal = status & 0x7f
        ended = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
        return ended
    }

    /// True until the child has ended.
    public var isRunning: Bool { reap(block: false) == nil }

    /// Sends `signal` (SIGKILL by default) unless the child has already been reaped.
    public func kill(_ signal: Int32 = SIGKILL) {
        lock.lock()
        defer { lock.unlock() }
        if ended == nil { sendSignal(pid, signal) }
    }

    /// Waits for the child to end.
    @discardableResult
    public func wait() -> Termination { reap(block: true)! }

    /// The exit status, or 128 + signal for a child that was killed (as a shell reports it).
    public func waitForStatus() -> Int32 {
        switch wait() {
        case .exited(let code): return code
        case .signalled(let signal): return 128 + signal
        }
    }
}

private func sendSignal(_ pid: pid_t, _ signal: Int32) { _ = kill(pid, signal) }

/// A finished run of a command: exit status and everything it printed.
public struct CompletedRun: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    /// Runs `executable` to completion, capturing its output through temporary files (a pipe
    /// would deadlock once the unread stream fills its 64 KiB buffer).
    public static func run(executable: String, arguments: [String], environment: [String: String]) throws -> CompletedRun {
        let base = NSTemporaryDirectory() + "chemflow-child-\(getpid())-\(UUID().uuidString)"
        let outPath = base + ".out", errPath = base + ".err"
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        let child = try ChildProcess(executable: executable, arguments: arguments, environment: environment,
                                     standardOutput: outPath, standardError: errPath)
        let status = child.waitForStatus()
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return CompletedRun(status: status, stdout: read(outPath), stderr: read(errPath))
    }
}
