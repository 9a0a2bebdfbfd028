import Foundation

/// Counts finished trials and prints each one's line, one at a time.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0

    func report(_ line: String, total: Int) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        print("[\(done)/\(total)] \(line)")
        fflush(stdout)
    }
}
