internal import CKernels

/// What the engine runs on this machine, as printed by `ssl-run --version` and the first lines of
/// `pretext-bench`: the CPU and its vector features, the GEMM library and kernel (and why that one), the
/// convolution backend. Every speed figure should be quoted with these lines.
public enum KernelReport {
    public static var lines: [String] {
        let blas = BLASLibrary.status
        return [blas.cpuLine, blas.kernelLine, GemmThreading.description, "conv: " + ConvBackend.description,
                "elementwise: GELU and ReLU in C for \(String(cString: pretext_ckernels_level())), other loops Swift (x86-64 baseline)",
                "threads: \(Parallel.threads), loops on \(WorkerPool.description)",
                "memory: " + BufferPool.pageDescription]
    }
}
