internal import CBLASLoader

/// The x86 instruction-set extensions that decide which kernels can run, read from CPUID and XCR0.
///
/// Made from raw register values so that the choice of kernel can be tested on values recorded from
/// other CPUs (`init(vendor:…)`); `CPUFeatures.host` reads this machine's. A vector extension counts only
/// when the operating system also saves its registers (XCR0), as a hypervisor may hide them.
public struct CPUFeatures: Equatable, Sendable {
    public var vendor: String
    /// Display family and model (`cpu family` / `model` in /proc/cpuinfo).
    public var family: Int
    public var model: Int
    public var brand: String
    public var sse3 = false, ssse3 = false, sse41 = false, sse42 = false
    public var avx = false, avx2 = false, fma = false, f16c = false
    public var avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512cd = false
    public var avx512vnni = false, avx512bf16 = false, avx512fp16 = false
    public var amxTile = false, amxBF16 = false, amxInt8 = false

    /// Decodes CPUID leaves 0x1 (ecx), 0x7.0 (ebx, ecx, edx), 0x7.1 (eax) and XCR0.
    public init(vendor: String, family: Int, model: Int, brand: String = "", leaf1ECX: UInt32,
                leaf7EBX: UInt32, leaf7ECX: UInt32, leaf7EDX: UInt32, leaf7Sub1EAX: UInt32, xcr0: UInt64) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.brand = brand
        func bit(_ r: UInt32, _ i: Int) -> Bool { r & (1 << UInt32(i)) != 0 }
        let ymmSaved = xcr0 & 0b110 == 0b110                     // SSE + AVX state
        let zmmSaved = ymmSaved && xcr0 & 0b1110_0000 == 0b1110_0000  // opmask, ZMM_Hi256, Hi16_ZMM
        let amxSaved = xcr0 & (0b11 << 17) == (0b11 << 17)     // XTILECFG, XTILEDATA
        sse3 = bit(leaf1ECX, 0); ssse3 = bit(leaf1ECX, 9); sse41 = bit(leaf1ECX, 19); sse42 = bit(leaf1ECX, 20)
        avx = ymmSaved && bit(leaf1ECX, 28)
        fma = avx && bit(leaf1ECX, 12)
        f16c = avx && bit(leaf1ECX, 29)
        avx2 = avx && bit(leaf7EBX, 5)
        avx512f = zmmSaved && bit(leaf7EBX, 16)
        avx512dq = avx512f && bit(leaf7EBX, 17)
        avx512cd = avx512f && bit(leaf7EBX, 28)
        avx512bw = avx512f && bit(leaf7EBX, 30)
        avx512vl = avx512f && bit(leaf7EBX, 31)
        avx512vnni = avx512f && bit(leaf7ECX, 11)
        avx512fp16 = avx512f && bit(leaf7EDX, 23)
        avx512bf16 = avx512f && bit(leaf7Sub1EAX, 5)
        amxBF16 = amxSaved && bit(leaf7EDX, 22)
        amxTile = amxSaved && bit(leaf7EDX, 24)
        amxInt8 = amxSaved && bit(leaf7EDX, 25)
    }

    /// This machine's features (all false off x86).
    public static let host: CPUFeatures = {
        var r0 = [UInt32](repeating: 0, count: 4), r1 = r0, r7 = r0, r71 = r0
        pretext_cpuid(0, 0, &r0)
        pretext_cpuid(1, 0, &r1)
        pretext_cpuid(7, 0, &r7)
        pretext_cpuid(7, 1, &r71)
        let vendor = String(decoding: [r0[1], r0[3], r0[2]].flatMap(bytes), as: UTF8.self)
        let baseFamily = Int((r1[0] >> 8) & 0xF), baseModel = Int((r1[0] >> 4) & 0xF)
        let family = baseFamily == 0xF ? baseFamily + Int((r1[0] >> 20) & 0xFF) : baseFamily
        let model = baseFamily == 0x6 || baseFamily == 0xF ? baseModel + Int((r1[0] >> 12) & 0xF0) : baseModel
        var brandBytes: [UInt8] = []
        for leaf: UInt32 in 0x8000_0002...0x8000_0004 {
            var r = [UInt32](repeating: 0, count: 4)
            pretext_cpuid(leaf, 0, &r)
            brandBytes += r.flatMap(bytes)
        }
        let brand = String(decoding: brandBytes.prefix { $0 != 0 }, as: UTF8.self)
            .split(separator: " ").joined(separator: " ")
        return CPUFeatures(vendor: vendor, family: family, model: model, brand: brand, leaf1ECX: r1[2],
                           leaf7EBX: r7[1], leaf7ECX: r7[2], leaf7EDX: r7[3], leaf7Sub1EAX: r71[0],
                           xcr0: pretext_xcr0())
    }()

    private static func bytes(_ r: UInt32) -> [UInt8] { (0..<4).map { UInt8((r >> (8 * UInt32($0))) & 0xFF) } }

    /// The vector extensions present, short names as /proc/cpuinfo spells them.
    public var summary: String {
        let named: [(Bool, String)] = [
            (avx2, "avx2"), (fma, "fma"), (avx512f, "avx512f"), (avx512bw, "avx512bw"), (avx512vl, "avx512vl"),
            (avx512vnni, "avx512_vnni"), (avx512bf16, "avx512_bf16"), (avx512fp16, "avx512_fp16"),
            (amxTile, "amx_tile"), (amxBF16, "amx_bf16"),
        ]
        let on = named.filter(\.0).map(\.1)
        return on.isEmpty ? (sse3 ? "sse3 only" : "baseline x86-64") : on.joined(separator: " ")
    }
}
