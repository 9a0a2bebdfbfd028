import Dispatch

/// Like `Parallel.forRanges`, but tells each chunk its index and lets the caller know the chunk count
/// up front, so kernels that reduce (weight gradients, norm parameter gradients) can give every chunk
/// its own partial-sum buffer and add them up afterwards, with a result independent of scheduling.
enum KernelThreads {
    /// How many chunks `run` will use for `n` items (1 when the work is too small to be worth a hop).
    @inline(__always)
    static func chunkCount(_ n: Int, costPerItem: Int = 1, grain: Int = 32_768) -> Int {
        let t = Parallel.threads
        if n <= 1 || t == 1 || n &* costPerItem < grain { return max(0, min(n, 1)) }
        return min(t, n)
    }

    /// Runs `body(chunk, range)` for `chunks` contiguous, balanced ranges covering `0..<n`.
    @inline(__always)
    static func run(_ n: Int, chunks: Int, _ body: (Int, Range<Int>) -> Void) {
        if chunks <= 1 {
            if n > 0 { body(0, 0..<n) }
            return
        }
        WorkerPool.run(chunks, threads: Parallel.threads) { c in
            let lo = n * c / chunks, hi = n * (c + 1) / chunks
            if lo < hi { body(c, lo..<hi) }
        }
    }

    /// Adds `parts` partial sums of `count` floats each (the k-th at `partials + k·stride`) into `dst`,
    /// in the order k = 0, 1, …, so the total does not depend on how the work was scheduled; split over
    /// the threads by element when there is enough of it.
    static func addPartials(_ partials: UnsafePointer<Float>, parts: Int, stride: Int, count: Int,
                            into dst: UnsafeMutablePointer<Float>) {
        guard parts > 0, count > 0 else { return }
        Parallel.forRanges(count, costPerItem: parts) { r in
            for k in 0..<parts {
                let src = partials + k &* stride
                for i in r { dst[i] += src[i] }
            }
        }
    }
}
