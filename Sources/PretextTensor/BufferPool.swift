internal import CKernels
import Foundation

/// A size-bucketed pool of float buffers, so a training step reuses the memory of the previous one
/// instead of going back to `malloc` for every intermediate tensor.
///
/// Buffers are bucketed by the next power of two of their element count (small ones round up to 64);
/// the pool keeps at most `maxPooledBytes` free. That bound must hold a whole step's activations
/// (a ViT-S/16 at batch 16 frees dozens of same-bucket buffers at once): a buffer handed back to the
/// system is an `munmap`, and the next step's fresh pages are zero-filled by the kernel one page
/// fault at a time, which cost 11 % of a ViT step when the pool kept only 16 buffers per bucket.
///
/// With `PRETEXT_HUGE_PAGES=1`, buckets of 2 MiB and more are mapped on their own, 2 MiB-aligned, and
/// advised onto transparent huge pages (`pretext_huge_alloc`): GEMM packing walks their rows one 4 KiB
/// page each, and 2 MiB pages took B4 (MAE ViT-S/16, 2 threads) from 1328 to 1250 ms per step with
/// memory to spare — but where memory is short each first fault compacts memory synchronously, and a
/// whole `pretext-bench` process ran B3/B4 7-15 % slower, so it is not the default (README, session 23).
public final class BufferPool: @unchecked Sendable {
    public static let shared = BufferPool(hugePages: hugePagesRequested())

    /// PRETEXT_HUGE_PAGES: "1" on, unset / "" / "0" off; anything else warns and stays off.
    static func hugePagesRequested() -> Bool {
        switch ProcessInfo.processInfo.environment["PRETEXT_HUGE_PAGES"] ?? "" {
        case "1": return true
        case "", "0": return false
        case let other:
            FileHandle.standardError.write(Data("warning: PRETEXT_HUGE_PAGES=\(other) is not one of 0, 1; using 0 (4 KiB pages)\n".utf8))
            return false
        }
    }

    /// Large buckets on their own huge-page mappings; fixed for the pool's life, since it also decides
    /// how a buffer is given back.
    let hugePages: Bool

    init(hugePages: Bool = false) {
        self.hugePages = hugePages
    }

    /// Upper bound on memory kept around while idle.
    public var maxPooledBytes = BufferPool.defaultMaxPooledBytes

    /// A quarter of physical memory, at least 2 GiB.
    static var defaultMaxPooledBytes: Int {
        Swift.max(2 << 30, Int(ProcessInfo.processInfo.physicalMemory / 4))
    }
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    private var inUse = 0
    private let lock = NSLock()

    /// Bytes of pool buffers handed out and not yet given back: the live tensors (activations kept
    /// for backward among them), which tests compare with the memory estimate.
    public var bytesInUse: Int {
        lock.lock()
        defer { lock.unlock() }
        return inUse
    }

    /// The capacity actually allocated for a request of `count` floats.
    @inline(__always)
    static func bucket(_ count: Int) -> Int {
        if count <= 64 { return 64 }
        return 1 << (Int.bitWidth - (count - 1).leadingZeroBitCount)
    }

    /// A buffer of at least `count` floats; contents are undefined. Give it back with `release`.
    public func acquire(_ count: Int) -> (pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        let cap = BufferPool.bucket(count)
        lock.lock()
        inUse += cap * 4
        if var list = free[cap], let p = list.popLast() {
            free[cap] = list
            pooledBytes -= cap * 4
            lock.unlock()
            return (p, cap)
        }
        lock.unlock()
        return (allocate(cap), cap)
    }

    /// Buckets from this many floats (2 MiB) get their own huge-page mapping.
    static let hugeFloats = 1 << 19

    /// For `ssl-run --version` / `pretext-bench`: which pages the large tensor buffers get, and why.
    static var pageDescription: String {
        guard shared.hugePages else { return "tensor buffers on 4 KiB pages (PRETEXT_HUGE_PAGES=1 puts those from 2 MiB on transparent huge pages)" }
        let path = "/sys/kernel/mm/transparent_hugepage/enabled"
        let mode = (try? String(contentsOfFile: path, encoding: .utf8))
            .flatMap { $0.split(separator: "[").dropFirst().first?.split(separator: "]").first }.map(String.init)
        guard let mode, mode != "never" else {
            return "tensor buffers from 2 MiB advised onto huge pages, but transparent huge pages are off (\(path) says \(mode ?? "nothing"))"
        }
        return "tensor buffers from 2 MiB advised onto transparent huge pages (PRETEXT_HUGE_PAGES=1, THP mode \(mode))"
    }

    private func allocate(_ cap: Int) -> UnsafeMutablePointer<Float> {
        if hugePages && cap >= BufferPool.hugeFloats {
            guard let p = pretext_huge_alloc(cap * 4) else {
                fatalError("out of memory: could not map \(cap * 4 >> 20) MiB for a tensor buffer; use a smaller batch size or free memory")
            }
            return p.bindMemory(to: Float.self, capacity: cap)
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: cap * 4, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: cap)
    }

    private func deallocate(_ p: UnsafeMutablePointer<Float>, capacity: Int) {
        if hugePages && capacity >= BufferPool.hugeFloats {
            pretext_huge_free(p, capacity * 4)
        } else {
            UnsafeMutableRawPointer(p).deallocate()
        }
    }

    /// Returns a buffer obtained from `acquire` (with the capacity `acquire` reported).
    public func release(_ p: UnsafeMutablePointer<Float>, capacity: Int) {
        lock.lock()
        inUse -= capacity * 4
        if pooledBytes + capacity * 4 <= maxPooledBytes {
            free[capacity, default: []].append(p)
            pooledBytes += capacity * 4
            lock.unlock()
            return
        }
        lock.unlock()
        deallocate(p, capacity: capacity)
    }

    /// Frees every pooled buffer (e.g. between benchmark cases).
    public func drain() {
        lock.lock()
        let all = free
        free = [:]
        pooledBytes = 0
        lock.unlock()
        for (cap, list) in all { for p in list { deallocate(p, capacity: cap) } }
    }

    /// Runs `body` with a scratch buffer of `count` floats from the pool.
    @inline(__always)
    public func withScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let (p, cap) = acquire(max(count, 1))
        defer { release(p, capacity: cap) }
        return try body(p)
    }
}
