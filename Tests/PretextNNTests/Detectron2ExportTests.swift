import Foundation
import XCTest
import PretextTensor
@testable import PretextNN

final class Detectron2ExportTests: XCTestCase {
    func testKeyRenaming() {
        XCTAssertEqual(Detectron2Export.detectron2Key("conv1.weight"), "stem.conv1.weight")
        XCTAssertEqual(Detectron2Export.detectron2Key("bn1.running_mean"), "stem.conv1.norm.running_mean")
        XCTAssertEqual(Detectron2Export.detectron2Key("layer1.0.conv1.weight"), "res2.0.conv1.weight")
        XCTAssertEqual(Detectron2Export.detectron2Key("layer1.0.bn2.bias"), "res2.0.conv2.norm.bias")
        XCTAssertEqual(Detectron2Export.detectron2Key("layer4.0.downsample.0.weight"), "res5.0.shortcut.weight")
        XCTAssertEqual(Detectron2Export.detectron2Key("layer4.0.downsample.1.running_var"), "res5.0.shortcut.norm.running_var")
        XCTAssertEqual(Detectron2Export.detectron2Key("layer3.5.bn3.weight"), "res4.5.conv3.norm.weight")
    }

    /// Writes a ResNet-18 export and, when numpy is available, reads it back in Python with an
    /// independent implementation of the conversion.
    func testExportIsReadableByPython() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = RNG(seed: 1)
        let net = ResNet(.resnet18, width: 0.25, rng: &rng)
        Formula.fill(net)
        let pkl = dir.appendingPathComponent("model_final.pkl"), st = dir.appendingPathComponent("state.safetensors")
        let summary = try Detectron2Export.write(net.stateDict(), to: pkl)
        try net.saveSafeTensors(to: st)
        XCTAssertEqual(summary.pixelMean[0], 103.53, accuracy: 1e-3)
        XCTAssertEqual(summary.pixelMean[2], 123.675, accuracy: 1e-3)
        XCTAssertEqual(summary.pixelStd, [57.375, 57.12, 58.395].map { Float($0) }, accuracy: 1e-3)
        XCTAssertEqual(summary.keyCount, net.stateDict().filter { !$0.key.hasSuffix("num_batches_tracked") }.count)
        XCTAssertTrue(summary.configLines.contains("MODEL.RESNETS.DEPTH: 18"), "\(summary.configLines)")
        XCTAssertTrue(summary.configLines.contains("MODEL.RESNETS.STEM_OUT_CHANNELS: 16"), "\(summary.configLines)")
        let bytes = [UInt8](try Data(contentsOf: pkl))
        XCTAssertEqual(Array(bytes.prefix(2)), [0x80, 0x02])
        XCTAssertEqual(bytes.last, UInt8(ascii: "."))

        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/env"),
              (try? runProcess("/usr/bin/env", ["python3", "-c", "import numpy"]))?.status == 0 else {
            throw XCTSkip("python3 with numpy not available: the pickle was not checked in Python")
        }
        let script = Fixture.directory.appendingPathComponent("check_detectron2_pkl.py").path
        let r = try runProcess("/usr/bin/env", ["python3", "-W", "ignore", script, pkl.path, st.path])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.hasPrefix("ok"), r.output)
    }

    func testRefusesNonResNets() throws {
        var rng = RNG(seed: 2)
        let vit = VisionTransformer(dim: 16, depth: 1, heads: 2, patchSize: 4, imageSize: 8, rng: &rng)
        XCTAssertThrowsError(try Detectron2Export.write(vit.stateDict(), to: URL(fileURLWithPath: "/tmp/x.pkl"))) { e in
            XCTAssertTrue("\(e)".contains("conv1.weight"), "\(e)")
        }
    }
}

private func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
