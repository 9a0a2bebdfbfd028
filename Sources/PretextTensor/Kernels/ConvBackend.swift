internal import CDNNLConv
#if canImport(Glibc)
import Glibc
#endif

/// Which implementation runs a dense (groups = 1) convolution: oneDNN's JIT kernels, which oneDNN picks
/// from the CPU's features (the library PyTorch's CPU convolutions use), or Pretext's own im2col + GEMM.
///
/// oneDNN is the default wherever its engine starts; `PRETEXT_CONV=im2col` selects the built-in path
/// (for comparison, and the fallback whenever oneDNN refuses a shape). Depthwise and grouped
/// convolutions always use the built-in kernels.
public enum ConvBackend: String, Sendable {
    case onednn, im2col

    /// The backend in use for this process: `PRETEXT_CONV` if set to a known name, else oneDNN when available.
    public static let current: ConvBackend = {
        let available = pretext_dnnl_available() != 0
        guard let v = getenv("PRETEXT_CONV").map({ String(cString: $0) }), !v.isEmpty else {
            return available ? .onednn : .im2col
        }
        guard let b = ConvBackend(rawValue: v.lowercased()) else {
            fputs("warning: PRETEXT_CONV=\(v) is not a convolution backend (onednn, im2col); using "
                  + "\(available ? "onednn" : "im2col")\n", stderr)
            return available ? .onednn : .im2col
        }
        if b == .onednn && !available {
            fputs("warning: PRETEXT_CONV=onednn but oneDNN's CPU engine did not start; using im2col\n", stderr)
            return .im2col
        }
        return b
    }()

    /// Whether 3×3 stride-1 convolutions run as Winograd F(4×4, 3×3) (4× fewer multiplications): on
    /// AVX-512 CPUs oneDNN's kernels from 32 channels (measured 1.5–2× faster than its direct kernels,
    /// outputs within ~2e-6 relative), elsewhere Pretext's own (`WinogradConv`, oneDNN 2.6 having none
    /// for AVX2). cuDNN makes the same choice on GPUs. On by default; `PRETEXT_CONV_WINOGRAD=0` turns
    /// both off.
    nonisolated(unsafe) public static var winograd: Bool = {
        let on = getenv("PRETEXT_CONV_WINOGRAD").map { String(cString: $0) != "0" } ?? true
        pretext_dnnl_set_winograd(on ? 1 : 0)
        return on
    }() {
        didSet { pretext_dnnl_set_winograd(winograd ? 1 : 0) }
    }

    /// Whether oneDNN has Winograd kernels on this CPU: oneDNN 2.6 has them for AVX-512 only; elsewhere
    /// Pretext's own (`WinogradConv`) run the 3×3 stride-1 convolutions.
    static let oneDNNHasWinograd: Bool = current == .onednn && String(cString: pretext_dnnl_isa()).hasPrefix("avx512")

    /// Tests set this to run one backend regardless of `current` (nil: `current`).
    nonisolated(unsafe) static var forced: ConvBackend?

    /// Calls oneDNN refused (shape unsupported or an error): each fell back to im2col. Tests read it.
    nonisolated(unsafe) public internal(set) static var fallbacks = 0

    static var active: ConvBackend { forced ?? current }

    /// One line for `--version` and benchmark headers.
    public static var description: String {
        switch current {
        case .onednn:
            let isa = String(cString: pretext_dnnl_isa())
            return "oneDNN JIT (\(isa.isEmpty ? "isa unknown" : isa)) for dense convolutions, reordered from NCHW"
                + (!winograd ? "" : oneDNNHasWinograd ? ", its Winograd F(4x4,3x3) for 3x3 stride-1 with >= 32 channels"
                   : ", Pretext's Winograd F(4x4,3x3) for 3x3 stride-1 with >= \(WinogradConv.minChannels) channels")
                + "; direct loops for depthwise"
        case .im2col:
            return ConvKernels.implementation
                + (winograd ? "; Pretext's Winograd F(4x4,3x3) for 3x3 stride-1 with >= \(WinogradConv.minChannels) channels" : "")
        }
    }

    /// The oneDNN shape for a geometry it handles (dense, groups = 1), nil otherwise.
    static func shape(_ g: Conv2dGeometry) -> pretext_conv_shape? {
        _ = winograd  // applies PRETEXT_CONV_WINOGRAD before the first primitive is made
        guard active == .onednn, g.groups == 1, g.batch > 0, g.outH > 0, g.outW > 0 else { return nil }
        return pretext_conv_shape(n: Int32(g.batch), c: Int32(g.inChannels), h: Int32(g.height), w: Int32(g.width),
                                  o: Int32(g.outChannels), kh: Int32(g.kernelH), kw: Int32(g.kernelW),
                                  stride_h: Int32(g.strideH), stride_w: Int32(g.strideW), pad_h: Int32(g.padH),
                                  pad_w: Int32(g.padW), dilation_h: Int32(g.dilationH), dilation_w: Int32(g.dilationW),
                                  oh: Int32(g.outH), ow: Int32(g.outW))
    }

    /// oneDNN's name for the kernel it runs for this geometry's forward pass ("jit_wino_4x3:avx512_core",
    /// "jit:avx2", ...); "" when oneDNN does not run it.
    public static func oneDNNKernel(for g: Conv2dGeometry) -> String {
        guard var s = shape(g) else { return "" }
        return String(cString: pretext_dnnl_impl(&s, 0))
    }

    private static func succeeded(_ ok: Bool) -> Bool {
        if !ok { fallbacks += 1 }
        return ok
    }

    static func forward(_ g: Conv2dGeometry, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                        _ b: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>) -> Bool {
        guard var s = shape(g) else { return false }
        return succeeded(pretext_dnnl_conv_forward(&s, x, w, b, y, Int32(Parallel.threads)) == 0)
    }

    static func backwardInput(_ g: Conv2dGeometry, _ gy: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                              _ gx: UnsafeMutablePointer<Float>) -> Bool {
        guard var s = shape(g) else { return false }
        return succeeded(pretext_dnnl_conv_backward_data(&s, gy, w, gx, Int32(Parallel.threads)) == 0)
    }

    static func backwardWeight(_ g: Conv2dGeometry, _ gy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                               _ gw: UnsafeMutablePointer<Float>) -> Bool {
        guard var s = shape(g) else { return false }
        return succeeded(pretext_dnnl_conv_backward_weights(&s, x, gy, gw, Int32(Parallel.threads)) == 0)
    }
}
