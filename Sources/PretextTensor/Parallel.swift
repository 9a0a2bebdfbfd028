import Dispatch

/// Splits loops over the machine's cores. Between GEMMs OpenBLAS runs single-threaded: Pretext splits
/// work across threads itself (by rows, or by images in a batch) and lends OpenBLAS the threads only for
/// one large GEMM at a time (`GemmThreading`), so two thread pools never fight over the cores. Results
/// repeat exactly for a given thread count; across thread counts GEMMs differ by rounding.
public enum Parallel {
    /// Number of worker threads used by kernels (`--threads`); defaults to the active processor count.
    nonisolated(unsafe) public static var threads: Int = ProcessInfoCores.count {
        didSet { threads = max(1, threads) }
    }

    /// Call before any BLAS use (done by every GEMM entry point): opens OpenBLAS with the kernel matched
    /// to the CPU (`BLASLibrary`), single-threaded.
    @inline(__always) public static func ensureBLASSingleThreaded() { BLASLibrary.ensureLoaded() }

    /// Runs `body(range)` over `0..<n` split into at most `threads` contiguous chunks. Runs inline when
    /// `n * costPerItem` is below `grain` (not worth a thread hop).
    @inline(__always)
    public static func forRanges(_ n: Int, costPerItem: Int = 1, grain: Int = 32_768,
                                 _ body: (Range<Int>) -> Void) {
        let t = threads
        if n <= 1 || t == 1 || n &* costPerItem < grain {
            if n > 0 { body(0..<n) }
            return
        }
        let chunks = min(t, n)
        WorkerPool.run(chunks, threads: t) { c in
            let lo = n * c / chunks, hi = n * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Runs `body(i)` for every `i` in `0..<n`, items spread over the threads.
    @inline(__always)
    public static func forEach(_ n: Int, costPerItem: Int = 1, grain: Int = 32_768, _ body: (Int) -> Void) {
        forRanges(n, costPerItem: costPerItem, grain: grain) { r in for i in r { body(i) } }
    }
}

/// The number of cores available to this process.
enum ProcessInfoCores {
    static var count: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
