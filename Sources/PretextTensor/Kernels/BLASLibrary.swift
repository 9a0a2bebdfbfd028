internal import CBLASLoader
#if canImport(Glibc)
import Glibc
#endif

/// The BLAS that Pretext's GEMMs run on: OpenBLAS, opened on first use with its kernel chosen from the
/// CPU's features (`BLASCoreChoice`) rather than from OpenBLAS's table of CPU models.
///
/// OpenBLAS is not linked but opened with `dlopen` (C shim `CBLASLoader`), because it fixes its kernel
/// when it is loaded: linking it would let it initialise before Pretext could say which kernel to use.
/// It runs single-threaded; Pretext splits GEMMs over its own threads (`GemmKernels`, `Parallel`).
public enum BLASLibrary {
    /// What was chosen and what runs, for `--version`, benchmark headers and warnings.
    public struct Status: Sendable {
        public let features: CPUFeatures
        /// `OPENBLAS_CORETYPE` as found in the environment (the administrator's choice), if any.
        public let environmentCore: String?
        /// The core Pretext asked for (nil when the environment's was kept or none is better).
        public let requestedCore: String?
        /// The kernel OpenBLAS reports it runs.
        public let runningCore: String
        public let config: String
        public let path: String
        /// Set when the running kernel is below what the CPU can execute.
        public let warning: String?

        /// One line: the GEMM library, its kernel and why that kernel.
        public var kernelLine: String {
            let version = config.split(separator: " ").prefix(2).joined(separator: " ")
            let why: String
            if let e = environmentCore, !e.isEmpty { why = "OPENBLAS_CORETYPE=\(e) from the environment" }
            else if let r = requestedCore, let p = BLASCoreChoice.preferredCore(for: features) {
                why = r == runningCore ? "chosen from CPU features: \(p.because)" : "requested \(r), not honoured"
            } else { why = "OpenBLAS's own choice" }
            return "GEMM: \(version.isEmpty ? "OpenBLAS" : version), kernel \(runningCore) (\(why))"
        }

        /// One line: the CPU and its vector features.
        public var cpuLine: String {
            let name = features.brand.isEmpty ? features.vendor : features.brand
            return "CPU: \(name) (family \(features.family), model \(features.model)); \(features.summary)"
        }
    }

    /// Opens OpenBLAS once (thread-safe: Swift globals initialise once) and returns what runs.
    public static var status: Status { loaded }

    /// Call before any `pretext_sgemm`: opens the library and sets it single-threaded.
    @inline(__always) public static func ensureLoaded() { _ = loaded }

    private static let loaded: Status = {
        let features = CPUFeatures.host
        let env = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        let request = BLASCoreChoice.request(for: features, environment: env)
        var error = [CChar](repeating: 0, count: 512)
        let rc = request.map { pretext_blas_open($0, &error, Int32(error.count)) }
            ?? pretext_blas_open(nil, &error, Int32(error.count))
        if rc != 0 {
            let message = String(cString: error)
            fatalError("Pretext needs OpenBLAS and could not open it (\(message)). Install it with "
                       + "`apt-get install libopenblas0` (or libopenblas-dev) and run again.")
        }
        pretext_blas_set_threads(1)
        let running = String(cString: pretext_blas_corename())
        let status = Status(features: features, environmentCore: env, requestedCore: request, runningCore: running,
                            config: String(cString: pretext_blas_config()), path: String(cString: pretext_blas_path()),
                            warning: BLASCoreChoice.warning(features: features, running: running, environment: env))
        if let w = status.warning { fputs("warning: \(w)\n", stderr) }
        return status
    }()
}
