import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either the old file or the complete new one: the bytes go to a
/// temporary file in the same directory, which is fsynced, renamed over the target, and the directory
/// fsynced. A failure (full disk, permissions) removes the temporary file and leaves the target as it
/// was. Used for weight files (safetensors, Detectron2 pickles).
public final class AtomicFileWriter {
    struct Failure: Error { let detail: String }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private static let flushSize = 1 << 20

    private init(fd: Int32) { self.fd = fd }

    /// `.<file>.tmp-<pid>-<random>`: hidden, beside the target, and naming the process that writes it.
    static func temporaryName(for file: String) -> String {
        ".\(file).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Whether `name` is a temporary file of this writer's made by another process. Such a file is never
    /// complete (the writer renames it the moment it is), so when the folder is one only this process
    /// writes to — a run folder, held by its lock — it is the leftover of a writer killed mid-file and
    /// can go; this process's own (a write in progress) and other hidden files stay.
    public static func isLeftoverOfAnotherProcess(_ name: String) -> Bool {
        guard name.hasPrefix("."), let range = name.range(of: ".tmp-", options: .backwards) else { return false }
        guard let pid = Int32(name[range.upperBound...].prefix(while: { $0 != "-" })) else { return false }
        return pid != getpid()
    }

    /// Creates `url` atomically with the bytes `body` writes.
    static func write(to url: URL, _ body: (AtomicFileWriter) throws -> Void) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(temporaryName(for: url.lastPathComponent))
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Failure(detail: "cannot create a temporary file in \(dir.path): \(String(cString: strerror(errno)))")
        }
        let w = AtomicFileWriter(fd: fd)
        var closed = false
        do {
            try body(w)
            try w.flush()
            guard fsync(fd) == 0 else { throw Failure(detail: "fsync failed: \(String(cString: strerror(errno)))") }
            closed = true
            guard close(fd) == 0 else { throw Failure(detail: "close failed: \(String(cString: strerror(errno)))") }
            guard rename(tmp.path, url.path) == 0 else {
                throw Failure(detail: "cannot rename the temporary file onto \(url.path): \(String(cString: strerror(errno)))")
            }
        } catch {
            if !closed { close(fd) }
            unlink(tmp.path)
            throw error
        }
        let dfd = open(dir.path, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= AtomicFileWriter.flushSize { try flush() }
    }

    func write(_ string: String) throws { try write(Array(string.utf8)) }

    /// Writes raw memory (large tensors go straight to the file, without a copy into the buffer).
    func write(_ pointer: UnsafeRawPointer, count: Int) throws {
        if count < 4096 {
            buffer.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count))
            if buffer.count >= AtomicFileWriter.flushSize { try flush() }
            return
        }
        try flush()
        try writeAll(pointer, count)
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0.baseAddress!, $0.count) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ p: UnsafeRawPointer, _ count: Int) throws {
        var done = 0
        while done < count {
            let n = systemWrite(fd, p + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(detail: "write failed after \(done) of \(count) bytes: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }
}

#if canImport(Glibc)
@inline(__always) private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { Glibc.write(fd, p, n) }
#elseif canImport(Darwin)
@inline(__always) private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { Darwin.write(fd, p, n) }
#endif
