import Dispatch
import XCTest
@testable import PretextTensor

/// The kernels' worker pool (`WorkerPool`, thread_pool.c): every chunk runs exactly once, on more than
/// one thread when there is work for it; a loop inside a chunk runs inline; loops started from several
/// threads at once all complete (one on the pool, the others on libdispatch); a thousand back-to-back
/// jobs never lose a chunk (the job-number check on claiming).
final class WorkerPoolTests: XCTestCase {
    /// Counts per chunk, written by whichever thread runs the chunk.
    private final class Counts: @unchecked Sendable {
        var values: UnsafeMutablePointer<Int>
        let count: Int
        init(_ count: Int) {
            self.count = count
            values = .allocate(capacity: count)
            values.initialize(repeating: 0, count: count)
        }
        deinit { values.deallocate() }
        var array: [Int] { Array(UnsafeBufferPointer(start: values, count: count)) }
    }

    func testEveryChunkRunsOnceAndWorkersTakePart() {
        XCTAssertTrue(WorkerPool.enabled, "the pool is the default")
        let chunks = 64
        let counts = Counts(chunks)
        let threadIDs = Counts(chunks)
        WorkerPool.run(chunks, threads: 4) { c in
            counts.values[c] += 1
            threadIDs.values[c] = threadID()
            // Enough work per chunk (~0.1 ms, 64 chunks) that a worker wakes up and takes some even on a
            // loaded CI machine.
            var s: Float = 0
            for i in 0..<100_000 { s += Float(i).squareRoot() }
            if s < 0 { print(s) }
        }
        XCTAssertEqual(counts.array, Array(repeating: 1, count: chunks))
        XCTAssertGreaterThan(Set(threadIDs.array).count, 1, "chunks ran on more than the calling thread")
    }

    func testNestedLoopsRunInline() {
        let outer = 4, inner = 8
        let counts = Counts(outer * inner)
        WorkerPool.run(outer, threads: 2) { o in
            let me = threadID()
            WorkerPool.run(inner, threads: 2) { i in
                XCTAssertEqual(threadID(), me, "a nested loop stays on its chunk's thread")
                counts.values[o * inner + i] += 1
            }
        }
        XCTAssertEqual(counts.array, Array(repeating: 1, count: outer * inner))
    }

    func testConcurrentCallersAndManyJobs() {
        let callers = 4, jobs = 1000, chunks = 3
        let counts = Counts(callers * chunks)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for _ in 0..<jobs {
                WorkerPool.run(chunks, threads: 2) { c in counts.values[caller * chunks + c] += 1 }
            }
        }
        XCTAssertEqual(counts.array, Array(repeating: jobs, count: callers * chunks))
    }

    /// Parallel.forRanges on the pool gives the serial result bit for bit (each range its own slot).
    func testForRangesCoversTheRangeOnce() {
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        Parallel.threads = 2
        let n = 100_003
        let out = Counts(n)
        Parallel.forRanges(n, costPerItem: 8) { r in for i in r { out.values[i] += i } }
        XCTAssertEqual(out.array, Array(0..<n))
    }
}

private func threadID() -> Int {
    Int(bitPattern: UInt(pthread_self()))
}
