import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock on a run folder (`.lock`, `flock`), held while a process trains into it, so a
/// second `ssl-run` writing the same `--out` (or resuming it) is refused with the holder's PID instead
/// of mixing two runs' metrics and checkpoints. The kernel releases it when the process exits, even
/// after kill -9, so a crash never leaves a stale lock.
public final class RunFolderLock {
    public let url: URL
    private let fd: Int32

    public init(runDirectory: URL) throws {
        url = runDirectory.appendingPathComponent(".lock")
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RunError.io(path: url.path, detail: "cannot create the run folder's lock file: \(String(cString: strerror(errno))) (is the folder writable?)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "another process"
            close(fd)
            throw RunError.data("the run folder \(runDirectory.path) is in use by process \(holder) (another ssl-run training into it); wait for it to finish or stop it, or choose another --out")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
