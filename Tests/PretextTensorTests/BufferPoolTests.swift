import Foundation
import XCTest
@testable import PretextTensor

/// With huge pages on (PRETEXT_HUGE_PAGES=1 for the shared pool), large buckets live on their own
/// 2 MiB-aligned mappings advised onto transparent huge pages; these tests check the alignment, the
/// reuse, the unmapping and the advice itself (`/proc/self/smaps`), and that the default pool does not.
final class BufferPoolTests: XCTestCase {
    func testSmallAndLargeBucketsRoundTripAndAreReused() {
        for huge in [false, true] { roundTrip(BufferPool(hugePages: huge)) }
    }

    func roundTrip(_ pool: BufferPool) {
        for count in [10, 1000, BufferPool.hugeFloats - 1, BufferPool.hugeFloats, 3 << 19] {
            let (p, cap) = pool.acquire(count)
            XCTAssertGreaterThanOrEqual(cap, count)
            XCTAssertEqual(Int(bitPattern: p) % 64, 0, "count \(count): not 64-byte aligned")
            if pool.hugePages && cap >= BufferPool.hugeFloats {
                XCTAssertEqual(Int(bitPattern: p) % (2 << 20), 0, "count \(count): a large bucket must be 2 MiB-aligned")
            }
            for i in stride(from: 0, to: cap, by: 997) { p[i] = Float(i) }
            p[cap - 1] = -1
            XCTAssertEqual(p[cap - 1], -1)
            if cap > 997 { XCTAssertEqual(p[997], 997) }
            pool.release(p, capacity: cap)
            let (q, cap2) = pool.acquire(count)
            XCTAssertEqual(q, p, "count \(count): a released buffer is handed out again")
            XCTAssertEqual(cap2, cap)
            pool.release(q, capacity: cap2)
        }
        XCTAssertEqual(pool.bytesInUse, 0)
        pool.drain()
    }

    /// A buffer beyond the pool's bound goes back to the system at once (for a large one: `munmap`).
    func testLargeBufferBeyondTheBoundIsUnmapped() {
        let pool = BufferPool(hugePages: true)
        pool.maxPooledBytes = 0
        let (p, cap) = pool.acquire(BufferPool.hugeFloats)
        p[0] = 1
        XCTAssertTrue(Self.mapping(containing: p) != nil, "the buffer is mapped while in use")
        pool.release(p, capacity: cap)
        XCTAssertNil(Self.mapping(containing: p), "released beyond maxPooledBytes: unmapped")
    }

    /// The kernel reports the advice (`hg` in the mapping's VmFlags, `THPeligible: 1`), unless THP is off on
    /// this machine (`[never]`); the default pool's large buffers are not advised.
    func testLargeBucketIsAdvisedOntoHugePages() throws {
        let mode = (try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8)) ?? "[never]"
        try XCTSkipIf(mode.contains("[never]"), "transparent huge pages are off on this machine")
        let plain = BufferPool()
        let (q, qCap) = plain.acquire(BufferPool.hugeFloats)
        q[0] = 1
        let plainFlags = Self.mapping(containing: q)?.split(separator: "\n").first { $0.hasPrefix("VmFlags:") }?.split(separator: " ") ?? []
        XCTAssertFalse(plainFlags.contains("hg"), "the default pool must not advise huge pages")
        plain.release(q, capacity: qCap)
        plain.drain()
        let pool = BufferPool(hugePages: true)
        let (big, bigCap) = pool.acquire(BufferPool.hugeFloats)
        let (small, smallCap) = pool.acquire(BufferPool.hugeFloats / 2)
        defer {
            pool.release(big, capacity: bigCap)
            pool.release(small, capacity: smallCap)
            pool.drain()
        }
        let mapping = try XCTUnwrap(Self.mapping(containing: big))
        let flags = mapping.split(separator: "\n").first { $0.hasPrefix("VmFlags:") }?.split(separator: " ") ?? []
        XCTAssertTrue(flags.contains("hg"), "large bucket not advised onto huge pages (no `hg` in VmFlags):\n\(mapping)")
        let eligible = mapping.split(separator: "\n").first { $0.hasPrefix("THPeligible:") }?.split(separator: " ").last
        XCTAssertEqual(eligible, "1", "the kernel would not back it with huge pages:\n\(mapping)")
    }

    /// The `/proc/self/smaps` entry (header and fields) of the mapping holding `p`, or nil.
    static func mapping(containing p: UnsafeMutablePointer<Float>) -> String? {
        // procfs files report size 0, so read to the end rather than by the reported size.
        guard let file = FileHandle(forReadingAtPath: "/proc/self/smaps"),
              let smaps = String(data: file.readDataToEndOfFile(), encoding: .utf8) else { return nil }
        let address = UInt(bitPattern: Int(bitPattern: p))
        var current: [Substring] = []
        var found = false
        for line in smaps.split(separator: "\n", omittingEmptySubsequences: false) {
            let range = line.split(separator: " ", maxSplits: 1).first ?? ""
            let bounds = range.split(separator: "-")
            if bounds.count == 2, let lo = UInt(bounds[0], radix: 16), let hi = UInt(bounds[1], radix: 16) {
                if found { break }
                current = [line]
                found = lo <= address && address < hi
            } else {
                current.append(line)
            }
        }
        return found ? current.joined(separator: "\n") : nil
    }
}
