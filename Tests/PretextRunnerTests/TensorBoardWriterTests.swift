import Foundation
import XCTest
import PretextNN
@testable import PretextRunner

/// Event files against bytes written by TensorBoard's own RecordWriter and protos
/// (`Tests/Fixtures/tensorboard/reference.tfevents`, made by `Tests/Fixtures/make_tensorboard_fixture.py`).
final class TensorBoardWriterTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tensorboard")

    func testCRC32CCheckValueAndMask() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)  // the standard check value
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        let c = CRC32C.checksum(Array("123456789".utf8))
        XCTAssertEqual(CRC32C.masked(Array("123456789".utf8)), ((c >> 15) | (c << 17)) &+ 0xA282_EAD8)
    }

    func testEventFileEqualsTensorBoardsOwnWriterByteForByte() throws {
        let want = try Data(contentsOf: Self.fixtures.appendingPathComponent("reference.tfevents"))
        let png = try Data(contentsOf: Self.fixtures.appendingPathComponent("image.png"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("events.out.tfevents.test")
        do {
            let w = try TensorBoardWriter(url: url, wallTime: 1764494400.25)
            try w.scalar("train/loss", 4.8934, step: 1, wallTime: 1764494401.5)
            try w.scalar("train/lr", 0, step: 2, wallTime: 1764494402.0)
            try w.scalar("epoch/knn20_top1", 0.372, step: 468, wallTime: 1764494620.125)
            try w.scalar("train/loss", -0.671875, step: 123_456_789, wallTime: 1764494700.0)
            try w.image("reconstruction", png: png, step: 12, wallTime: 1764494800.5)
            try w.text("config", "method:\n  name: simclr  # é", step: 0, wallTime: 1764494400.75)
        }
        let got = try Data(contentsOf: url)
        XCTAssertEqual(got.count, want.count)
        if let i = zip(got, want).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            XCTFail("first differing byte at offset \(i) of \(want.count)")
        }
        XCTAssertEqual(TensorBoardWriter.pngSize(png).0, 2)
        XCTAssertEqual(TensorBoardWriter.pngSize(png).1, 1)
    }

    /// The framing a reader checks: length, its masked CRC, the record, the record's masked CRC.
    func testFramingRoundTrip() throws {
        let record = Array("hello tensorboard".utf8)
        let framed = TensorBoardWriter.frame(record)
        XCTAssertEqual(framed.count, 8 + 4 + record.count + 4)
        let length = framed[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        XCTAssertEqual(Int(length), record.count)
        func u32(_ s: ArraySlice<UInt8>) -> UInt32 { s.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) } }
        XCTAssertEqual(u32(framed[8..<12]), CRC32C.masked(framed[0..<8]))
        XCTAssertEqual(Array(framed[12..<(12 + record.count)]), record)
        XCTAssertEqual(u32(framed[(12 + record.count)...]), CRC32C.masked(record))
    }
}
