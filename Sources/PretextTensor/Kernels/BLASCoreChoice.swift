/// Which OpenBLAS kernel ("core") a CPU should run, decided from its feature bits alone.
///
/// OpenBLAS 0.3.21 (Debian 12) with `DYNAMIC_ARCH` picks its kernel from a table of CPU *models*; on a
/// CPU newer than the table (a current Xeon, family 6 model 207, was measured) it falls back to the
/// generic SSE3 `Prescott` kernel, 4–5× slower. The fix is to tell it the core through
/// `OPENBLAS_CORETYPE`, which it reads once when loaded, chosen here from what the CPU can execute. An
/// `OPENBLAS_CORETYPE` already in the environment is an administrator's choice and is kept (with a
/// warning when it is slower than the CPU allows). Pure logic: tested on recorded CPUID values.
public enum BLASCoreChoice {
    /// The instruction set an OpenBLAS x86 kernel family is written for.
    public enum Level: Int, Comparable, Sendable, CustomStringConvertible {
        case generic = 0, avx, avx2, avx512
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public var description: String { ["generic SSE", "AVX", "AVX2/FMA", "AVX-512"][rawValue] }
    }

    /// The core to request from OpenBLAS for these features, and the feature that justifies it; nil where
    /// nothing better than OpenBLAS's own generic choice exists (no AVX).
    ///
    /// AVX-512 CPUs with BF16 get `Cooperlake`, other AVX-512 (F+BW+VL+DQ+CD) CPUs `SkylakeX`, AVX2+FMA
    /// CPUs `Haswell` (OpenBLAS's `Zen` kernels are its Haswell kernels with other blocking; measured
    /// equal), AVX-only CPUs `Sandybridge`. AMX and VNNI do not change the float32 GEMM kernel in 0.3.21.
    public static func preferredCore(for f: CPUFeatures) -> (core: String, because: String)? {
        if f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512cd {
            return f.avx512bf16 ? ("Cooperlake", "avx512_bf16") : ("SkylakeX", "avx512f/bw/vl")
        }
        if f.avx2 && f.fma { return ("Haswell", "avx2+fma") }
        if f.avx { return ("Sandybridge", "avx") }
        return nil
    }

    /// The best kernel level these features allow.
    public static func bestLevel(for f: CPUFeatures) -> Level {
        preferredCore(for: f).flatMap { level(ofCore: $0.core) } ?? .generic
    }

    /// The level of an OpenBLAS core name as `openblas_get_corename()` reports it (case-insensitive);
    /// nil for names this table does not know (non-x86 cores).
    public static func level(ofCore name: String) -> Level? {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return .avx512
        case "haswell", "zen": return .avx2
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return .avx
        case "prescott", "katmai", "coppermine", "northwood", "banias", "atom", "core2", "penryn", "dunnington",
             "nehalem", "opteron", "opteron_sse3", "barcelona", "bobcat", "athlon", "nano", "generic":
            return .generic
        default: return nil
        }
    }

    /// What to ask OpenBLAS for: the environment's `OPENBLAS_CORETYPE` wins (nil request: OpenBLAS reads
    /// it itself), otherwise the feature-matched core.
    public static func request(for f: CPUFeatures, environment: String?) -> String? {
        if let e = environment, !e.isEmpty { return nil }
        return preferredCore(for: f)?.core
    }

    /// A warning when the kernel that runs is below what the CPU can execute; nil when it is matched.
    public static func warning(features f: CPUFeatures, running core: String, environment: String?) -> String? {
        let best = bestLevel(for: f)
        guard let running = level(ofCore: core), running < best else { return nil }
        let better = preferredCore(for: f)?.core ?? "?"
        if let e = environment, !e.isEmpty {
            return "OpenBLAS runs its \(running) kernel '\(core)' because OPENBLAS_CORETYPE=\(e) is set in the "
                + "environment, but this CPU has \(best) (\(f.summary)); matrix products run several times "
                + "slower. Unset OPENBLAS_CORETYPE (Pretext then chooses '\(better)') unless it "
                + "was set to work around a fault."
        }
        return "OpenBLAS runs its \(running) kernel '\(core)' although '\(better)' was requested for this CPU's "
            + "\(best) (\(f.summary)); matrix products run several times slower. Another copy of OpenBLAS "
            + "may have been loaded before Pretext chose its kernel."
    }
}
