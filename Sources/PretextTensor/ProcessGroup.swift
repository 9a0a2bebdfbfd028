import CMPILoader
import Foundation

/// The processes of a data-parallel job and the collectives between them (MPI underneath).
///
/// `ProcessGroup.world` is a single process (rank 0 of 1, every collective the identity) unless the
/// program was started by `mpirun` and called `ProcessGroup.initializeFromEnvironment()` (ssl-run does, at
/// start-up): then it is MPI_COMM_WORLD over Open MPI, opened with dlopen (see `mpi_loader.h`), so a
/// plain run needs no MPI. Only the main thread calls collectives (MPI_THREAD_FUNNELED), and every rank
/// must call the same collectives in the same order — as DDP's ranks do.
///
/// A failed MPI call is not recoverable (Open MPI's default error handler already ends the job); an
/// error of one rank that the others cannot see ends the job with `abort(message:)`, never a hang.
public final class ProcessGroup: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// Whether the collectives go through MPI (false for a single process).
    public let usesMPI: Bool
    /// MPI's own description of its library (empty for a single process).
    public let libraryVersion: String

    init(rank: Int, size: Int, usesMPI: Bool, libraryVersion: String) {
        self.rank = rank
        self.size = size
        self.usesMPI = usesMPI
        self.libraryVersion = libraryVersion
    }

    /// The group of every process of the job (a single process until MPI is initialised).
    public nonisolated(unsafe) private(set) static var world = ProcessGroup(rank: 0, size: 1, usesMPI: false, libraryVersion: "")

    public var isDistributed: Bool { size > 1 }
    public var isMain: Bool { rank == 0 }

    /// Whether this process is one rank of an MPI job (`mpirun` or PMIx set the environment).
    public static var launchedByMPI: Bool { pretext_mpi_launched() != 0 }

    /// Initialises MPI when the process was started by `mpirun` and makes it `world`; otherwise leaves
    /// `world` a single process. Idempotent.
    @discardableResult
    public static func initializeFromEnvironment() throws -> ProcessGroup {
        guard !world.usesMPI, launchedByMPI else { return world }
        var rank: Int32 = 0, size: Int32 = 0
        var error = [CChar](repeating: 0, count: 1024)
        guard pretext_mpi_init(&rank, &size, &error, Int32(error.count)) == 0 else {
            throw DistributedError.unavailable(String(cString: error))
        }
        world = ProcessGroup(rank: Int(rank), size: Int(size), usesMPI: true,
                             libraryVersion: String(cString: pretext_mpi_library_version()))
        return world
    }

    /// Ends MPI (at the normal end of the program; not needed after `abort`).
    public func finalize() {
        if usesMPI { _ = pretext_mpi_finalize() }
    }

    /// Ends every rank of the job with `code` after printing `message` (prefixed with this rank) on stderr.
    public func abort(message: String, code: Int32 = 1) -> Never {
        let prefix = isDistributed ? "rank \(rank)/\(size): " : ""
        FileHandle.standardError.write(Data((prefix + message + "\n").utf8))
        if usesMPI { pretext_mpi_abort(code) }
        exit(code)
    }

    // MARK: - Collectives on raw buffers

    /// Sums `buffer` over the ranks, in place.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard usesMPI, size > 1, let p = buffer.baseAddress else { return }
        check(pretext_mpi_allreduce_float_sum(p, buffer.count), "MPI_Allreduce")
    }

    /// Sums `values` over the ranks (Double, for statistics and counts).
    public func allReduceSum(_ values: [Double]) -> [Double] {
        guard usesMPI, size > 1, !values.isEmpty else { return values }
        var v = values
        check(v.withUnsafeMutableBufferPointer { pretext_mpi_allreduce_double_sum($0.baseAddress!, $0.count) }, "MPI_Allreduce")
        return v
    }

    /// The element-wise maximum of `values` over the ranks.
    public func allReduceMax(_ values: [Double]) -> [Double] {
        guard usesMPI, size > 1, !values.isEmpty else { return values }
        var v = values
        check(v.withUnsafeMutableBufferPointer { pretext_mpi_allreduce_double_max($0.baseAddress!, $0.count) }, "MPI_Allreduce")
        return v
    }

    /// Every rank's `local` (the same count on each), concatenated in rank order.
    public func allGather(_ local: UnsafeBufferPointer<Float>, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count == local.count * size, "allGather: output holds \(out.count), needs \(local.count * size)")
        guard usesMPI, size > 1 else {
            if local.count > 0 { out.baseAddress!.update(from: local.baseAddress!, count: local.count) }
            return
        }
        check(pretext_mpi_allgather_float(local.baseAddress!, local.count, out.baseAddress!), "MPI_Allgather")
    }

    /// Every rank's `local`, whose counts may differ, concatenated in rank order.
    public func allGatherVariable(_ local: [Float]) -> [Float] {
        guard usesMPI, size > 1 else { return local }
        let counts = allReduceSum((0..<size).map { $0 == rank ? Double(local.count) : 0 }).map { Int32($0) }
        var offsets = [Int32](repeating: 0, count: size)
        for r in 1..<size { offsets[r] = offsets[r - 1] + counts[r - 1] }
        var out = [Float](repeating: 0, count: Int(offsets[size - 1] + counts[size - 1]))
        let rc = local.withUnsafeBufferPointer { l in
            out.withUnsafeMutableBufferPointer { o in
                pretext_mpi_allgatherv_float(l.baseAddress ?? UnsafePointer(o.baseAddress!), l.count, o.baseAddress!, counts, offsets)
            }
        }
        check(rc, "MPI_Allgatherv")
        return out
    }

    /// Rank `root`'s `buffer` on every rank.
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int = 0) {
        guard usesMPI, size > 1, let p = buffer.baseAddress else { return }
        check(pretext_mpi_broadcast_float(p, buffer.count, Int32(root)), "MPI_Bcast")
    }

    /// Rank `root`'s bytes on every rank (the count must agree; see `broadcast(string:)` for text).
    public func broadcast(bytes: inout [UInt8], root: Int = 0) {
        guard usesMPI, size > 1 else { return }
        let n = broadcastCount(bytes.count, root: root)
        if bytes.count != n { bytes = [UInt8](repeating: 0, count: n) }
        guard n > 0 else { return }
        check(bytes.withUnsafeMutableBytes { pretext_mpi_broadcast_bytes($0.baseAddress!, $0.count, Int32(root)) }, "MPI_Bcast")
    }

    /// Rank `root`'s string on every rank.
    public func broadcast(string: String, root: Int = 0) -> String {
        guard usesMPI, size > 1 else { return string }
        var bytes = Array(string.utf8)
        broadcast(bytes: &bytes, root: root)
        return String(decoding: bytes, as: UTF8.self)
    }

    private func broadcastCount(_ n: Int, root: Int) -> Int {
        var v: [Float] = [0, 0]
        // An Int as two exact float halves (each < 2^24).
        if rank == root { v = [Float(n >> 24), Float(n & 0xFF_FFFF)] }
        v.withUnsafeMutableBufferPointer { broadcast($0, root: root) }
        return Int(v[0]) << 24 | Int(v[1])
    }

    // MARK: - Sums started now, finished later (gradient buckets during backward)

    /// Starts summing `buffer` over the ranks in place and returns at once; the buffer must stay
    /// untouched until `waitStartedSums()`. These run on a communicator of their own, so they may be
    /// outstanding while other collectives are called, but every rank must start the same sums in the
    /// same order. A single process has nothing to do.
    public func startSum(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard usesMPI, size > 1, let p = buffer.baseAddress else { return }
        check(pretext_mpi_start_gradient_sum(p, buffer.count), "MPI_Iallreduce")
    }

    /// Moves the started sums forward (Open MPI progresses them only inside MPI calls).
    public func progressStartedSums() {
        guard usesMPI, size > 1 else { return }
        check(pretext_mpi_progress_gradient_sums(), "MPI_Testall")
    }

    /// Returns when every started sum is complete.
    public func waitStartedSums() {
        guard usesMPI, size > 1 else { return }
        check(pretext_mpi_wait_gradient_sums(), "MPI_Waitall")
    }

    /// Waits until every rank is here.
    public func barrier() {
        guard usesMPI, size > 1 else { return }
        check(pretext_mpi_barrier(), "MPI_Barrier")
    }

    /// Whether `flag` is set on any rank (so every rank takes the same branch).
    public func any(_ flag: Bool) -> Bool {
        guard usesMPI, size > 1 else { return flag }
        return allReduceMax([flag ? 1 : 0])[0] > 0
    }

    private func check(_ rc: Int32, _ call: String) {
        if rc != 0 { abort(message: "\(call) failed with MPI error \(rc)") }
    }
}

/// Why a distributed job could not start.
public enum DistributedError: Error, CustomStringConvertible {
    case unavailable(String)
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .unavailable(let m): return m
        case .invalidSetting(let m): return m
        }
    }
}
