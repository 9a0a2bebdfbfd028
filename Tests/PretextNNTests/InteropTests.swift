import Foundation
import XCTest
import PretextTensor
@testable import PretextNN

/// Issue #7's acceptance test, run against real PyTorch when a Python with torch, torchvision, timm and
/// safetensors is available (skipped otherwise): a ResNet-18 and a ViT-S written by Pretext load into
/// torchvision / timm with strict=True and give the same features on the same images; weights saved by
/// PyTorch load into Pretext and give PyTorch's features (`Tests/Fixtures/nn/check_interop.py`).
final class InteropTests: XCTestCase {
    func testWeightsInterchangeWithPyTorch() throws {
        guard let python = torchPython() else { throw XCTSkip("no Python with torch, torchvision, timm and safetensors") }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = RNG(seed: 7)
        let resnet = ResNet(.resnet18, rng: &rng)
        let vit = VisionTransformer(.small, patchSize: 16, imageSize: 32, rng: &rng)
        let xr = Tensor.normal([2, 3, 64, 64], rng: &rng), xv = Tensor.normal([2, 3, 32, 32], rng: &rng)
        _ = try noGrad { try resnet(xr * 2) }   // train mode: non-trivial running statistics
        resnet.eval(); vit.eval()
        let (fr, fv) = try noGrad { (try resnet(xr), try vit(xv)) }
        try resnet.saveSafeTensors(to: dir.appendingPathComponent("pretext_resnet18.safetensors"))
        try vit.saveSafeTensors(to: dir.appendingPathComponent("pretext_vit_s.safetensors"))
        try SafeTensors.write([("resnet18", xr), ("vit_s", xv)], to: dir.appendingPathComponent("inputs.safetensors"))
        try SafeTensors.write([("resnet18", fr), ("vit_s", fv)], to: dir.appendingPathComponent("pretext_features.safetensors"))

        let r = try runProcess(python, ["-W", "ignore", Fixture.directory.appendingPathComponent("check_interop.py").path, dir.path])
        XCTAssertEqual(r.status, 0, "PyTorch side: \(r.output)")

        // PyTorch's weights into Pretext (torchvision's file includes fc.*, which a backbone ignores).
        let torchFeatures = try SafeTensors.read(from: dir.appendingPathComponent("torch_features.safetensors"))
        let resnet2 = resnet, vit2 = vit   // overwritten in place by PyTorch's weights
        let report = try resnet2.loadSafeTensors(from: dir.appendingPathComponent("torch_resnet18.safetensors"), ignoring: ["fc."])
        XCTAssertEqual(report.loaded.count, resnet2.stateDict().count)
        XCTAssertThrowsError(try resnet2.loadSafeTensors(from: dir.appendingPathComponent("torch_resnet18.safetensors")))  // strict: fc.* unexpected
        try vit2.loadSafeTensors(from: dir.appendingPathComponent("torch_vit_s.safetensors"))
        resnet2.eval(); vit2.eval()
        let (gr, gv) = try noGrad { (try resnet2(xr), try vit2(xv)) }
        assertClose(gr.scalars, torchFeatures["resnet18"]!.scalars, "ResNet-18 with torchvision's weights")
        assertClose(gv.scalars, torchFeatures["vit_s"]!.scalars, "ViT-S with timm's weights")
    }
}
