import Foundation
import XCTest
import PretextTensor
@testable import PretextNN
import CKernels

/// safetensors: round trip, the reference layout, files written by Python (all dtypes, a timm model),
/// and typed errors for truncated or malformed files.
final class SafeTensorsTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testRoundTripKeepsOrderValuesAndMetadata() throws {
        var rng = RNG(seed: 1)
        let tensors: [(key: String, tensor: Tensor)] = [
            ("z.weight", Tensor.normal([3, 4, 5], rng: &rng)), ("a.bias", Tensor([1, -2, 3.5])),
            ("scalar", Tensor(scalar: 7)), ("empty", Tensor.zeros([0, 3])), ("bn.num_batches_tracked", Tensor(scalar: 12)),
            ("we\"ird\\key", Tensor([0.25])),
        ]
        let url = dir.appendingPathComponent("t.safetensors")
        try SafeTensors.write(tensors, metadata: ["format": "pt", "arch": "resnet18 \"x\""], to: url)
        let file = try SafeTensors.read(from: url)
        XCTAssertEqual(file.keys, tensors.map(\.key))
        for ((k, a), (_, b)) in zip(tensors, file.tensors) {
            XCTAssertEqual(a.shape, b.shape, k)
            XCTAssertEqual(a.scalars, b.scalars, k)
        }
        XCTAssertEqual(file.metadata.filter { $0.key != SafeTensors.checksumKey }, ["format": "pt", "arch": "resnet18 \"x\""])
        XCTAssertNotNil(file.metadata[SafeTensors.checksumKey], "every tensor's checksum is stored")
        // Reference layout: header length, JSON padded with spaces to 8 bytes, I64 counters.
        let raw = try Data(contentsOf: url)
        let n = raw.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        XCTAssertEqual(n % 8, 0)
        let header = String(decoding: raw[8..<(8 + Int(n))], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{\"__metadata__\":{"), header)
        XCTAssertTrue(header.contains("\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[]"), header)
        XCTAssertTrue(header.contains("\"z.weight\":{\"dtype\":\"F32\",\"shape\":[3,4,5],\"data_offsets\":[0,240]}"), header)
        // No temporary files left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["t.safetensors"])
    }

    func testReadsEveryDTypeWrittenByPython() throws {
        let file = try SafeTensors.read(from: Fixture.directory.appendingPathComponent("torch_dtypes.safetensors"))
        let ref = Fixture.section("misc")["dtypes"] as! [String: Any]
        XCTAssertEqual(Set(file.keys), Set(ref.keys))
        for (k, v) in ref {
            let r = v as! [String: Any]
            let t = try XCTUnwrap(file[k])
            XCTAssertEqual(t.shape, Fixture.ints(r["shape"]), k)
            XCTAssertEqual(t.scalars, Fixture.floats(r["data"]), k)   // exact: every value is representable
        }
        XCTAssertEqual(file.metadata["note"], "dtype test")
    }

    /// A timm model saved by `safetensors.torch.save_file(model.state_dict())` loads strictly into the
    /// matching Pretext ViT and gives timm's output.
    func testLoadsTimmModelSavedByPyTorch() throws {
        var rng = RNG(seed: 2)
        let vit = VisionTransformer(dim: 32, depth: 2, heads: 2, patchSize: 4, imageSize: 16, rng: &rng)
        let report = try vit.loadSafeTensors(from: Fixture.directory.appendingPathComponent("torch_tiny_vit.safetensors"))
        XCTAssertEqual(report.loaded.count, vit.stateDict().count)
        vit.eval()
        let fx = Fixture.section("misc")["torch_tiny_vit"] as! [String: Any]
        let y = try noGrad { try vit(Formula.input(Fixture.ints(fx["input_shape"]))) }
        assertClose(y.scalars, Fixture.tensor(fx["output"]).scalars, "tiny ViT with PyTorch's weights")
    }

    func testMalformedFilesGiveTypedErrors() throws {
        let good = dir.appendingPathComponent("good.safetensors")
        try SafeTensors.write([("a", Tensor([1, 2, 3, 4])), ("b", Tensor([5]))], to: good)
        let bytes = [UInt8](try Data(contentsOf: good))

        func expect(_ data: [UInt8], _ fragment: String, line: UInt = #line) {
            let url = dir.appendingPathComponent("bad.safetensors")
            try? Data(data).write(to: url)
            XCTAssertThrowsError(try SafeTensors.read(from: url), line: line) { e in
                guard let err = e as? SafeTensorsError else { return XCTFail("untyped error \(e)", line: line) }
                XCTAssertTrue(err.description.contains(url.path), "error does not name the file: \(err)", line: line)
                XCTAssertTrue(err.description.contains(fragment), "\(err) lacks '\(fragment)'", line: line)
            }
        }
        expect([1, 2, 3], "truncated")
        expect(Array(bytes.dropLast(4)), "truncated")                       // data cut short
        expect(Array(bytes.prefix(20)), "truncated")                        // header cut short
        var huge = bytes; huge.replaceSubrange(0..<8, with: [0, 0, 0, 0, 0, 0, 0, 1])
        expect(huge, "implausible")
        func withHeader(_ json: String, data: Int) -> [UInt8] {
            var h = Array(json.utf8)
            while h.count % 8 != 0 { h.append(0x20) }
            var out: [UInt8] = []
            var n = UInt64(h.count).littleEndian
            withUnsafeBytes(of: &n) { out += $0 }
            return out + h + [UInt8](repeating: 0, count: data)
        }
        expect(withHeader("[1, 2]", data: 0), "does not start")
        expect(withHeader("{\"a\": ", data: 0), "not valid JSON")
        expect(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: 4), "needs 8")
        expect(withHeader("{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", data: 8), "C64")
        expect(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", data: 4), "shape")
        expect(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", data: 6), "overlaps")
        expect(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: 12), "trailing")
        expect(withHeader("{\"__metadata__\":{\"x\":1}}", data: 0), "__metadata__")
        XCTAssertThrowsError(try SafeTensors.read(from: dir.appendingPathComponent("missing.safetensors"))) { e in
            XCTAssertTrue("\(e)".contains("missing.safetensors"))
        }
        XCTAssertThrowsError(try SafeTensors.write([("a", Tensor([1])), ("a", Tensor([2]))], to: dir.appendingPathComponent("dup.safetensors")))
        XCTAssertThrowsError(try SafeTensors.write([("a", Tensor([1]))], to: URL(fileURLWithPath: "/nonexistent-dir/x.safetensors"))) { e in
            XCTAssertTrue("\(e)".contains("/nonexistent-dir"), "\(e)")
        }
    }

    /// Element and byte counts that overflow Int trapped in `SafeTensors.decode`; now they name the
    /// tensor and its shape. (Found reading the parser while writing the fuzz targets, confirmed with
    /// Tests/Fuzz's safetensors target.)
    func testShapesWhoseSizeOverflowsAreRefused() throws {
        func file(_ header: String) -> Data {
            var h = Array(header.utf8)
            h += [UInt8](repeating: 0x20, count: (8 - h.count % 8) % 8)
            var n = UInt64(h.count).littleEndian
            return Data(bytes: &n, count: 8) + Data(h)
        }
        for shape in ["[4294967296,4294967296]", "[1073741824,1073741824]", "[3037000500,3037000500,0]"] {
            let data = file(#"{"t":{"dtype":"F64","shape":"# + shape + #","data_offsets":[0,0]}}"#)
            XCTAssertThrowsError(try SafeTensors.decode(data, path: "big.safetensors")) {
                XCTAssertEqual($0 as? SafeTensorsError, .invalidTensor(path: "big.safetensors", key: "t", detail: "shape \(shape.replacingOccurrences(of: ",", with: ", ")) has more elements than any file can hold"))
            }
        }
        // A zero dimension first keeps the count at 0: an empty tensor, as before.
        let empty = try SafeTensors.decode(file(#"{"t":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}}"#))
        XCTAssertEqual(empty["t"]?.shape, [0, 4294967296, 4294967296])
    }

    func testHalfConversion() {
        XCTAssertEqual(SafeTensors.halfToFloat(0x3C00), 1)
        XCTAssertEqual(SafeTensors.halfToFloat(0xC000), -2)
        XCTAssertEqual(SafeTensors.halfToFloat(0x7BFF), 65504)
        XCTAssertEqual(SafeTensors.halfToFloat(0x0001), Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(SafeTensors.halfToFloat(0x7C00), .infinity)
        XCTAssertTrue(SafeTensors.halfToFloat(0x7E00).isNaN)
        XCTAssertEqual(SafeTensors.halfToFloat(0x8000).sign, .minus)
    }

    /// A module's state round-trips through a file, buffers included.
    func testModuleSaveAndLoad() throws {
        var rng = RNG(seed: 3)
        let a = ResNet(.resnet18, cifarStem: true, width: 0.125, rng: &rng)
        _ = try a(Tensor.normal([2, 3, 8, 8], rng: &rng))   // running statistics move
        let url = dir.appendingPathComponent("r.safetensors")
        try a.saveSafeTensors(to: url, metadata: ["architecture": a.architecture])
        var rng2 = RNG(seed: 4)
        let b = ResNet(.resnet18, cifarStem: true, width: 0.125, rng: &rng2)
        try b.loadSafeTensors(from: url)
        for ((k, x), (_, y)) in zip(a.stateDict(), b.stateDict()) { XCTAssertEqual(x.scalars, y.scalars, k) }
        let c = ResNet(.resnet18, cifarStem: true, width: 0.25, rng: &rng2)
        XCTAssertThrowsError(try c.loadSafeTensors(from: url)) { e in
            XCTAssertTrue("\(e)".contains("shape mismatches"), "\(e)")
        }
    }

    /// One flipped bit anywhere in a tensor's bytes is refused, naming the tensor; the file Python made
    /// (no Pretext checksums) still reads.
    func testAFlippedBitIsRefusedNamingTheTensor() throws {
        var rng = RNG(seed: 3)
        let tensors: [(key: String, tensor: Tensor)] = [("a.weight", Tensor.normal([8, 8], rng: &rng)),
                                                         ("b.num_batches_tracked", Tensor(scalar: 5)),
                                                         ("c.bias", Tensor.normal([16], rng: &rng))]
        let url = dir.appendingPathComponent("flip.safetensors")
        try SafeTensors.write(tensors, to: url)
        let clean = try Data(contentsOf: url)
        let n = Int(clean.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        let dataStart = 8 + n
        // Byte offsets inside each tensor: a.weight 0..<256, the counter 256..<264, c.bias 264..<328.
        for (offset, key) in [(0, "a.weight"), (255, "a.weight"), (260, "b.num_batches_tracked"), (300, "c.bias")] {
            for bit in [0, 7] {
                var damaged = clean
                damaged[dataStart + offset] ^= UInt8(1 << bit)
                XCTAssertThrowsError(try SafeTensors.decode(damaged, path: "x")) { error in
                    XCTAssertEqual(error as? SafeTensorsError, .checksumMismatch(path: "x", key: key), "byte \(offset) bit \(bit)")
                }
            }
        }
        XCTAssertEqual(try SafeTensors.decode(clean).tensors.map(\.key), ["a.weight", "b.num_batches_tracked", "c.bias"])
    }

    func testNonFiniteValuesAreRefusedUnlessAllowed() throws {
        let url = dir.appendingPathComponent("nan.safetensors")
        try SafeTensors.write([("ok", Tensor([1, 2])), ("layer.weight", Tensor([1, .nan, .infinity, 4]))], to: url)
        XCTAssertThrowsError(try SafeTensors.read(from: url)) { error in
            XCTAssertEqual(error as? SafeTensorsError, .nonFinite(path: url.path, key: "layer.weight", count: 2, total: 4))
            XCTAssertTrue("\(error)".contains("layer.weight") && "\(error)".contains("NaN"), "\(error)")
        }
        let allowed = try SafeTensors.read(from: url, allowNonFinite: true)
        XCTAssertTrue(allowed.tensors[1].tensor.scalars[1].isNaN)
    }

    /// The SSE4.2 path and the table agree on every length and alignment, and on the standard check value.
    func testCRC32CHardwareAndTableAgree() {
        var rng = RNG(seed: 9)
        let bytes = (0..<1000).map { _ in UInt8(truncatingIfNeeded: Int(rng.uniform() * 256)) }
        bytes.withUnsafeBytes { raw in
            for start in [0, 1, 3, 7] {
                for count in [0, 1, 7, 8, 9, 63, 64, 500, 993] {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<(start + count)])
                    XCTAssertEqual(CRC32C.checksum(slice), pretext_crc32c_table(0, slice.baseAddress, count), "\(start)+\(count)")
                }
            }
        }
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
    }
}
