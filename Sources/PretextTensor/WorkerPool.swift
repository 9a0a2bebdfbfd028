import Dispatch
internal import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// Runs the chunks of the kernels' parallel loops (`Parallel`, `KernelThreads`) on Pretext's own worker
/// pool (`thread_pool.c`), whose workers spin for a while after each loop as OpenMP's do, instead of on
/// libdispatch, which parks them at once: waking a parked thread cost ~30 µs per loop on the 2-core VM,
/// as much as the loop itself at CPU recipe sizes (measured: two 19 µs chunks took 72 µs on libdispatch,
/// 42 µs on the pool; two 2 µs chunks 12 µs against 5).
///
/// `PRETEXT_THREAD_POOL=dispatch` runs every loop on libdispatch instead (for comparison);
/// `PRETEXT_POOL_SPIN_US` sets how long an idle worker waits for the next loop before it sleeps
/// (default 100 µs; it yields to any other runnable thread meanwhile). A loop started inside another
/// loop's chunk runs inline; one started while another thread's loop is running (the data loader's)
/// runs on libdispatch.
enum WorkerPool {
    /// Whether loops run on the pool (false: libdispatch).
    nonisolated(unsafe) static var enabled: Bool = {
        let warn = { (message: String) in fputs("warning: \(message)\n", stderr) }
        if let raw = getenv("PRETEXT_POOL_SPIN_US").map({ String(cString: $0) }), !raw.isEmpty {
            if let spin = Int(raw), spin >= 0 {
                pretext_pool_set_spin(spin)
            } else {
                warn("PRETEXT_POOL_SPIN_US=\(raw) is not a whole number of microseconds >= 0; using \(pretext_pool_spin())")
            }
        }
        switch getenv("PRETEXT_THREAD_POOL").map({ String(cString: $0) }) ?? "" {
        case "", "pool": return true
        case "dispatch": return false
        case let other:
            warn("PRETEXT_THREAD_POOL=\(other) is not one of pool, dispatch; using pool")
            return true
        }
    }()

    /// For `--version` and `pretext-bench`: which threads run the loops.
    static var description: String {
        enabled ? "Pretext's worker pool (idle workers spin \(pretext_pool_spin()) us, then sleep)" : "libdispatch (PRETEXT_THREAD_POOL=dispatch)"
    }

    /// Runs `body(c)` for every c in `0..<chunks`, on the calling thread and up to `threads − 1`
    /// workers; chunks may run in any order on any of them.
    @inline(__always)
    static func run(_ chunks: Int, threads: Int, _ body: (Int) -> Void) {
        guard enabled else { return DispatchQueue.concurrentPerform(iterations: chunks, execute: body) }
        withoutActuallyEscaping(body) { body in
            var box = body
            let rc = withUnsafeMutablePointer(to: &box) { pretext_pool_run(chunks, Int32(threads), trampoline, $0) }
            if rc == 1 {
                for c in 0..<chunks { body(c) }
            } else if rc != 0 {
                DispatchQueue.concurrentPerform(iterations: chunks, execute: body)
            }
        }
    }

    private static let trampoline: @convention(c) (UnsafeMutableRawPointer?, Int) -> Void = { context, chunk in
        context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(chunk)
    }
}
