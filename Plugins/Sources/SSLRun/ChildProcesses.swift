import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Child `ssl-run` processes of a sweep: each started with its output appended to a log file and its
/// pid written to a file while it runs (so a person or a test can find it); all can be signalled.
final class ChildProcesses: @unchecked Sendable {
    private let lock = NSLock()
    private var running: [Int32: Process] = [:]

    /// Runs `executable args` to completion; returns its exit status, or 128 + the signal that ended it.
    func run(_ executable: String, _ args: [String], log: URL, pidFile: URL) -> Int32 {
        let fm = FileManager.default
        if !fm.fileExists(atPath: log.path) { _ = fm.createFile(atPath: log.path, contents: nil) }
        guard let handle = try? FileHandle(forWritingTo: log) else { return 127 }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        let stamp = ISO8601DateFormatter().string(from: Date())
        handle.write(Data("$ [\(stamp)] ssl-run \(args.joined(separator: " "))\n".utf8))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch {
            handle.write(Data("error: could not start \(executable): \(error)\n".utf8))
            return 127
        }
        lock.lock(); running[p.processIdentifier] = p; lock.unlock()
        try? String(p.processIdentifier).write(to: pidFile, atomically: true, encoding: .utf8)
        p.waitUntilExit()
        lock.lock(); running[p.processIdentifier] = nil; lock.unlock()
        try? fm.removeItem(at: pidFile)
        return p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
    }

    /// Sends `signal` to every running child.
    func signalAll(_ signal: Int32) {
        lock.lock()
        let pids = Array(running.keys)
        lock.unlock()
        for pid in pids { kill(pid, signal) }
    }
}
