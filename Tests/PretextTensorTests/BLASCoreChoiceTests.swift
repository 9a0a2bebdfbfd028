import Foundation
import XCTest
@testable import PretextTensor

/// The GEMM kernel is chosen from CPU feature bits, never from a model table: checked on register values
/// of several CPU generations (this machine's as read by CPUID; the others built from the bit positions
/// of Intel's SDM / AMD's APM for the listed parts), and on this machine's real OpenBLAS.
final class BLASCoreChoiceTests: XCTestCase {
    /// CPUID.1:ECX with SSE3, SSSE3, SSE4.1/4.2, OSXSAVE, AVX, FMA, F16C.
    static let avxECX: UInt32 = 1 << 0 | 1 << 9 | 1 << 12 | 1 << 19 | 1 << 20 | 1 << 27 | 1 << 28 | 1 << 29
    /// CPUID.7.0:EBX with AVX2 (5) and AVX-512 F, DQ, CD, BW, VL (16, 17, 28, 30, 31).
    static let avx512EBX: UInt32 = 1 << 5 | 1 << 16 | 1 << 17 | 1 << 28 | 1 << 30 | 1 << 31

    static func cpu(_ vendor: String = "GenuineIntel", family: Int = 6, model: Int, ecx1: UInt32, ebx7: UInt32 = 0,
                    ecx7: UInt32 = 0, edx7: UInt32 = 0, eax71: UInt32 = 0, xcr0: UInt64) -> CPUFeatures {
        CPUFeatures(vendor: vendor, family: family, model: model, leaf1ECX: ecx1, leaf7EBX: ebx7, leaf7ECX: ecx7,
                    leaf7EDX: edx7, leaf7Sub1EAX: eax71, xcr0: xcr0)
    }

    /// This development machine, read with CPUID: AMD EPYC (Zen 4, family 25 model 17).
    let zen4 = cpu("AuthenticAMD", family: 25, model: 17, ecx1: 0xfffa3203, ebx7: 0xf1bf07ab, ecx7: 0x405fc6,
                   edx7: 0x10, eax71: 0x20, xcr0: 0xe7)
    /// A current Xeon as the issue measured it (family 6 model 207): AVX-512 with VNNI, BF16, FP16 and AMX.
    let xeon207 = cpu(model: 207, ecx1: avxECX, ebx7: avx512EBX, ecx7: 1 << 11,
                      edx7: 1 << 22 | 1 << 23 | 1 << 24 | 1 << 25, eax71: 1 << 5, xcr0: 0x602e7)
    /// Skylake-SP: AVX-512 without BF16.
    let skylakeSP = cpu(model: 85, ecx1: avxECX, ebx7: avx512EBX, xcr0: 0xe7)
    /// Haswell desktop: AVX2 + FMA, no AVX-512.
    let haswell = cpu(model: 60, ecx1: 0x7ffafbbf, ebx7: 0x27ab, xcr0: 0x7)
    /// An AVX-512 CPU under a hypervisor that does not save ZMM state (XCR0 without bits 5–7).
    let maskedAVX512 = cpu(model: 85, ecx1: avxECX, ebx7: avx512EBX, xcr0: 0x7)
    /// Sandy Bridge: AVX without AVX2/FMA.
    let sandy = cpu(model: 42, ecx1: 1 << 0 | 1 << 9 | 1 << 19 | 1 << 20 | 1 << 27 | 1 << 28, xcr0: 0x7)
    /// Penryn-era / minimal VM: SSE3 only, no OSXSAVE.
    let generic = cpu(model: 23, ecx1: 0x0008e3bd, xcr0: 0)

    func testFeatureDecoding() {
        XCTAssertTrue(zen4.avx512f && zen4.avx512bw && zen4.avx512vl && zen4.avx512bf16 && zen4.avx512vnni)
        XCTAssertFalse(zen4.amxTile)
        XCTAssertTrue(xeon207.amxTile && xeon207.amxBF16 && xeon207.avx512fp16 && xeon207.avx512bf16)
        XCTAssertTrue(haswell.avx2 && haswell.fma)
        XCTAssertFalse(haswell.avx512f)
        XCTAssertFalse(maskedAVX512.avx512f, "ZMM state not saved by the OS: AVX-512 must not count")
        XCTAssertTrue(maskedAVX512.avx2)
        XCTAssertFalse(generic.avx, "no OSXSAVE: AVX must not count")
        XCTAssertEqual(generic.summary, "sse3 only")
    }

    func testPreferredCoreByFeatures() {
        XCTAssertEqual(BLASCoreChoice.preferredCore(for: zen4)?.core, "Cooperlake")
        XCTAssertEqual(BLASCoreChoice.preferredCore(for: xeon207)?.core, "Cooperlake")
        XCTAssertEqual(BLASCoreChoice.preferredCore(for: skylakeSP)?.core, "SkylakeX")
        XCTAssertEqual(BLASCoreChoice.preferredCore(for: haswell)?.core, "Haswell")
        XCTAssertEqual(BLASCoreChoice.preferredCore(for: maskedAVX512)?.core, "Haswell")
        XCTAssertEqual(BLASCoreChoice.preferredCore(for: sandy)?.core, "Sandybridge")
        XCTAssertNil(BLASCoreChoice.preferredCore(for: generic))
        XCTAssertEqual(BLASCoreChoice.bestLevel(for: generic), .generic)
        XCTAssertEqual(BLASCoreChoice.bestLevel(for: xeon207), .avx512)
    }

    /// The case: OpenBLAS 0.3.21 does not know model 207 and would run Prescott. Pretext requests
    /// the matched core; an administrator's OPENBLAS_CORETYPE is kept but warned about when it is slower.
    func testRequestAndWarnings() throws {
        XCTAssertEqual(BLASCoreChoice.request(for: xeon207, environment: nil), "Cooperlake")
        XCTAssertEqual(BLASCoreChoice.request(for: xeon207, environment: ""), "Cooperlake")
        XCTAssertNil(BLASCoreChoice.request(for: xeon207, environment: "Haswell"))
        XCTAssertNil(BLASCoreChoice.warning(features: xeon207, running: "Cooperlake", environment: nil))
        XCTAssertNil(BLASCoreChoice.warning(features: xeon207, running: "SkylakeX", environment: "SkylakeX"))
        let lost = try XCTUnwrap(BLASCoreChoice.warning(features: xeon207, running: "Prescott", environment: nil))
        XCTAssertTrue(lost.contains("'Prescott'") && lost.contains("'Cooperlake'"), lost)
        let admin = try XCTUnwrap(BLASCoreChoice.warning(features: haswell, running: "Prescott", environment: "Prescott"))
        XCTAssertTrue(admin.contains("OPENBLAS_CORETYPE=Prescott") && admin.contains("'Haswell'"), admin)
        XCTAssertNil(BLASCoreChoice.warning(features: generic, running: "Prescott", environment: nil),
                     "a generic kernel on a generic CPU is no loss")
        XCTAssertNil(BLASCoreChoice.warning(features: zen4, running: "ARMV8", environment: nil), "unknown cores")
        XCTAssertEqual(BLASCoreChoice.level(ofCore: "ZEN"), .avx2)
    }

    /// This machine: CPUID agrees with the kernel's own flags in /proc/cpuinfo, and OpenBLAS runs the
    /// kernel Pretext chose (or the environment's).
    func testHostFeaturesAndRunningKernel() throws {
        let host = CPUFeatures.host
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) {
            let flags = Set(line.split(separator: " ").map(String.init))
            XCTAssertEqual(host.avx2, flags.contains("avx2"))
            XCTAssertEqual(host.fma, flags.contains("fma"))
            XCTAssertEqual(host.avx512f, flags.contains("avx512f"))
            XCTAssertEqual(host.avx512bf16, flags.contains("avx512_bf16"))
            XCTAssertEqual(host.amxTile, flags.contains("amx_tile"))
        }
        let status = BLASLibrary.status
        XCTAssertFalse(status.runningCore.isEmpty)
        XCTAssertTrue(status.kernelLine.contains(status.runningCore))
        if let env = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !env.isEmpty {
            XCTAssertTrue(status.kernelLine.contains("from the environment"))
        } else if let want = BLASCoreChoice.preferredCore(for: host) {
            XCTAssertEqual(status.runningCore.lowercased(), want.core.lowercased(), status.kernelLine)
            XCTAssertNil(status.warning)
        }
    }
}
