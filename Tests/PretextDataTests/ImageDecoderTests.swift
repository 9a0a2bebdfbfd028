import Foundation
import XCTest
@testable import PretextData

/// Decoding matches Pillow exactly; bad input gives errors, never a crash.
final class ImageDecoderTests: XCTestCase {
    func testDecodingMatchesPillowExactlyForEveryKind() throws {
        let doc = try TestSupport.json("decode/expected.json")
        let images = try XCTUnwrap(doc["images"] as? [String: [String: Any]])
        XCTAssertGreaterThanOrEqual(images.count, 26)
        // Every kind the brief names must be covered.
        for kind in ["gray.png", "rgba.png", "palette.png", "gray16.png", "rgb16.png", "baseline_420.jpg",
                     "progressive.jpg", "interlaced.png", "cmyk.jpg", "gray.jpg"] {
            XCTAssertNotNil(images[kind], "fixture \(kind) missing")
        }
        for (name, info) in images.sorted(by: { $0.key < $1.key }) {
            let path = TestSupport.fixtures.appendingPathComponent("decode/\(name)").path
            let img = try ImageDecoder.decode(file: path)
            XCTAssertEqual(img.width, info["width"] as? Int, name)
            XCTAssertEqual(img.height, info["height"] as? Int, name)
            let expected = TestSupport.bytes(base64: info["pixels"] as! String)
            XCTAssertEqual(img.pixels.count, expected.count, name)
            let mismatches = zip(img.pixels, expected).filter { $0 != $1 }.count
            XCTAssertEqual(mismatches, 0, "\(name) (Pillow mode \(info["pillow_mode"] ?? "?")): \(mismatches) samples differ from Pillow")
            // Decoding from memory gives the same pixels.
            let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertEqual(try ImageDecoder.decode(data: data, name: name), img, name)
        }
    }

    func testSixteenBitConventionsFollowPillow() throws {
        // 16-bit gray clips at 255 (first row holds small values 0, 37, 74, ...), 16-bit RGB keeps the high byte.
        let g = try ImageDecoder.decode(file: TestSupport.fixtures.appendingPathComponent("decode/gray16.png").path)
        XCTAssertEqual(Array(g.pixels[0..<12]), [0, 0, 0, 37, 37, 37, 74, 74, 74, 111, 111, 111])
        XCTAssertEqual(g[5, 0, 0], 185)
        XCTAssertEqual(g[8, 0, 0], 255) // 8 * 37 = 296 clips
    }

    /// Damage after the last scan (Tests/Fixtures/compare_jpeg_damage_with_pillow.py): Pillow refuses a
    /// damaged marker there ("broken data stream") and accepts data that ends without a reachable EOI;
    /// so does the decoder (it reads on to EOI; before, it stopped at the last scanline and accepted both).
    func testDamageAfterTheLastScanIsJudgedAsPillowJudgesIt() throws {
        let folder = TestSupport.fixtures.appendingPathComponent("damaged")
        for name in ["marker-after-scans-1.jpg", "marker-after-scans-2.jpg"] {
            let data = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            XCTAssertThrowsError(try ImageDecoder.decode(data: data, name: name), name) { e in
                guard let e = e as? DataError else { return XCTFail("\(e)") }
                XCTAssertTrue(e.isBadImage, "\(e)")
                XCTAssertTrue(e.description.contains(name) && e.description.contains("Unsupported marker"), "\(e)")
            }
        }
        let data = try [UInt8](Data(contentsOf: folder.appendingPathComponent("eof-after-scans.jpg")))
        let img = try ImageDecoder.decode(data: data, name: "eof-after-scans.jpg")
        XCTAssertEqual([img.width, img.height], [64, 64])
    }

    func testTruncatedDataThrowsForEveryFixture() throws {
        let folder = TestSupport.fixtures.appendingPathComponent("decode")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasSuffix(".json") }.sorted()
        XCTAssertFalse(names.isEmpty)
        for name in names {
            let data = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            // Cut at many lengths, including inside the header and just before the end of the image data.
            var cuts = Set([0, 1, 2, 3, 5, 8, 12, 20, 33, data.count / 4, data.count / 2, data.count * 3 / 4])
            for tail in 12...40 where data.count > tail { cuts.insert(data.count - tail) }
            for n in cuts.sorted() where n < data.count {
                let slice = Array(data[0..<n])
                do {
                    let img = try ImageDecoder.decode(data: slice, name: "\(name)[0..<\(n)]")
                    // Cutting only the trailing chunks/markers may leave a complete image: it must then be
                    // the full, correct image.
                    XCTAssertEqual(img, try ImageDecoder.decode(data: data, name: name), "\(name) cut at \(n)")
                } catch let e as DataError {
                    XCTAssertTrue(e.isBadImage, "\(name) cut at \(n): \(e)")
                    XCTAssertTrue(e.description.contains(name), "error must name the file: \(e)")
                }
            }
        }
    }

    func testCorruptBytesNeverCrash() throws {
        let folder = TestSupport.fixtures.appendingPathComponent("decode")
        var rng = RNG(seed: 7)
        for name in ["rgb.png", "palette.png", "baseline_420.jpg", "progressive.jpg", "rgba16.png", "cmyk.jpg"] {
            let data = try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
            for _ in 0..<60 {
                var d = data
                for _ in 0..<(1 + rng.int(below: 6)) {
                    let i = 2 + rng.int(below: d.count - 2)
                    d[i] = UInt8(rng.int(below: 256))
                }
                // Either an error or some image; never a trap.
                if let img = try? ImageDecoder.decode(data: d, name: name) {
                    XCTAssertEqual(img.pixels.count, img.width * img.height * 3)
                }
            }
        }
        // A PNG with a broken IHDR CRC is an error.
        var png = try [UInt8](Data(contentsOf: folder.appendingPathComponent("rgb.png")))
        png[29] ^= 0xFF
        XCTAssertThrowsError(try ImageDecoder.decode(data: png, name: "badcrc.png")) { e in
            guard case .corruptImage(let path, _)? = e as? DataError else { return XCTFail("\(e)") }
            XCTAssertEqual(path, "badcrc.png")
        }
    }

    func testNonImagesAndMissingFilesGiveClearErrors() throws {
        let dir = try TestSupport.temporaryFolder(self)
        let text = dir + "/notes.png"
        try "hello, this is text".write(toFile: text, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ImageDecoder.decode(file: text)) { e in
            guard case .notAnImage(let path, _)? = e as? DataError else { return XCTFail("\(e)") }
            XCTAssertEqual(path, text)
            XCTAssertTrue("\(e)".contains("--skip-bad-images") && "\(e)".contains("data.skip_bad_images"), "says what to do: \(e)")
        }
        let empty = dir + "/empty.jpg"
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        XCTAssertThrowsError(try ImageDecoder.decode(file: empty)) { e in
            XCTAssertTrue("\(e)".contains("empty.jpg") && "\(e)".contains("empty"), "\(e)")
        }
        let gif = dir + "/anim.jpg"
        XCTAssertTrue(FileManager.default.createFile(atPath: gif, contents: Data("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8)))
        XCTAssertThrowsError(try ImageDecoder.decode(file: gif)) { e in
            guard case .unsupportedImage(_, let reason)? = e as? DataError else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("GIF"), reason)
        }
        XCTAssertThrowsError(try ImageDecoder.decode(file: dir + "/missing.png")) { e in
            XCTAssertEqual(e as? DataError, .fileNotFound(path: dir + "/missing.png"))
        }
        XCTAssertThrowsError(try ImageDecoder.decode(file: dir)) { e in  // a folder
            XCTAssertTrue((e as? DataError)?.isBadImage == true, "\(e)")
        }
    }

    func testPNGWriterRoundTrips() throws {
        let dir = try TestSupport.temporaryFolder(self)
        let img = TestSupport.noiseImage(width: 17, height: 11, seed: 3)
        try PNGWriter.write(img, to: dir + "/x.png")
        XCTAssertEqual(try ImageDecoder.decode(file: dir + "/x.png"), img)
        XCTAssertEqual(try ImageDecoder.decode(data: try PNGWriter.encode(img, compression: 0)), img)
        // RGBA: alpha dropped on decode; gray: replicated.
        var rgba = [UInt8]()
        for i in 0..<(img.width * img.height) { rgba += img.pixels[(3 * i)..<(3 * i + 3)] + [UInt8(i % 256)] }
        let back = try ImageDecoder.decode(data: try PNGWriter.encode(pixels: rgba, width: 17, height: 11, channels: 4))
        XCTAssertEqual(back, img)
        let gray = (0..<(4 * 3)).map { UInt8($0 * 20) }
        let g = try ImageDecoder.decode(data: try PNGWriter.encode(pixels: gray, width: 4, height: 3, channels: 1))
        XCTAssertEqual(g[3, 2, 0], 220)
        XCTAssertEqual(g[3, 2, 2], 220)
        XCTAssertThrowsError(try PNGWriter.write(img, to: dir + "/no/such/folder/x.png")) { e in
            guard case .writeFailed(let p, _)? = e as? DataError else { return XCTFail("\(e)") }
            XCTAssertEqual(p, dir + "/no/such/folder/x.png")
        }
        XCTAssertThrowsError(try PNGWriter.encode(pixels: [1, 2], width: 3, height: 3, channels: 3))
    }

    func testImageFromTensorUndoesNormalize() throws {
        let img = TestSupport.noiseImage(width: 5, height: 4, seed: 9)
        let t = Normalize.imageNet.tensor(FloatImage(img))
        XCTAssertEqual(t.shape, [3, 4, 5])
        XCTAssertEqual(try Image(chw: t, mean: Normalize.imageNet.mean, std: Normalize.imageNet.std), img)
        XCTAssertThrowsError(try Image(chw: Tensor(shape: [2, 2, 2], scalars: Array(repeating: 0, count: 8))))
        // ToTensor: x / 255 in CHW order.
        let plain = ToTensor()(img)
        XCTAssertEqual(plain.shape, [3, 4, 5])
        XCTAssertEqual(plain[1, 2, 3], Float(img[3, 2, 1]) * Float(1.0 / 255.0))
        XCTAssertEqual(ToTensor(normalize: .imageNet)(img).scalars, t.scalars)
    }
}
