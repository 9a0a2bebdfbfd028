internal import CBLASLoader
#if canImport(Glibc)
import Glibc
#endif

/// Who spreads one large GEMM over the cores.
///
/// Pretext's own split (`split`) gives each worker a block of C and a single-threaded OpenBLAS call, so
/// every worker packs its own copy of the shared operand; OpenBLAS's threading (`openblas`) packs it
/// once and its threads share it. On the ViT steps (GEMMs of 10⁸–10⁹ multiply-adds) the second was
/// measured 3–4 % faster per step, provided OpenBLAS's threads sleep right after the call (the loader sets
/// OPENBLAS_THREAD_TIMEOUT; spinning, they cost 8–14 %); on small GEMMs waking them costs more than it
/// saves (README, "Measured: session 13"). The choice, like the thread count, changes C only by
/// rounding, since OpenBLAS's micro-kernels sum in an order that depends on the block they are given;
/// for a given mode and thread count every call is the same bits (`GemmThreadingTests`), so runs repeat
/// exactly at a given `--threads`.
///
/// `PRETEXT_GEMM_THREADING=split|openblas|auto` chooses for the process (default `auto`).
public enum GemmThreading: String, Sendable, CaseIterable {
    /// Always Pretext's split of C over its workers.
    case split
    /// OpenBLAS's own threads for every GEMM large enough to be threaded at all.
    case openblas
    /// OpenBLAS's threads from `openBLASMinimum` multiply-adds up, Pretext's split below.
    case auto

    /// Multiply-adds (m·n·k) from which `auto` hands a GEMM to OpenBLAS's threads: 2²⁶ ≈ 67 M, about
    /// half a millisecond on two AVX2 cores. Chosen, not tuned: every projection and MLP GEMM of the ViT
    /// recipes and the projection heads are above it (the per-head attention GEMMs run inside a
    /// parallel region and never ask for threads).
    nonisolated(unsafe) public static var openBLASMinimum = 1 << 26

    /// The mode of this process; tests and benchmarks may set it.
    nonisolated(unsafe) public static var current: GemmThreading = parse(
        getenv("PRETEXT_GEMM_THREADING").map { String(cString: $0) }, warn: { fputs("warning: \($0)\n", stderr) })

    /// Reads the environment's value: nil or empty gives `auto`; an unknown name gives `auto` and a warning.
    static func parse(_ value: String?, warn: (String) -> Void) -> GemmThreading {
        guard let value, !value.isEmpty else { return .auto }
        if let mode = GemmThreading(rawValue: value.lowercased()) { return mode }
        warn("PRETEXT_GEMM_THREADING=\(value) is not one of split, openblas, auto; using auto")
        return .auto
    }

    /// Whether a GEMM of `multiplyAdds` on more than one thread goes to OpenBLAS's threads.
    @inline(__always)
    func usesOpenBLAS(multiplyAdds: Int) -> Bool {
        switch self {
        case .split: return false
        case .openblas: return true
        case .auto: return multiplyAdds >= GemmThreading.openBLASMinimum
        }
    }

    /// One line for `--version` and benchmark headers.
    public static var description: String {
        BLASLibrary.ensureLoaded()
        if pretext_blas_can_thread() == 0 { return "GEMM threading: Pretext's split of C (the BLAS cannot thread)" }
        switch current {
        case .split: return "GEMM threading: Pretext's split of C over its threads (PRETEXT_GEMM_THREADING=split)"
        case .openblas: return "GEMM threading: OpenBLAS's own threads (PRETEXT_GEMM_THREADING=openblas)"
        case .auto:
            return "GEMM threading: OpenBLAS's own threads from \(openBLASMinimum) multiply-adds, Pretext's split of C below"
        }
    }
}
