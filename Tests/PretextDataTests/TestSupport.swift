import Foundation
import XCTest
@testable import PretextData

/// Paths and fixture loading shared by the data tests.
enum TestSupport {
    /// Tests/Fixtures/data.
    static let fixtures: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/data")

    /// ../shared/data/cifar10 relative to the repository root (absent on machines without the data).
    static let cifar: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/data/cifar10")

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(name))
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DataError.invalidArgument(name: "fixture", detail: "\(name) is not a JSON object")
        }
        return obj
    }

    static func bytes(base64: String) -> [UInt8] {
        [UInt8](Data(base64Encoded: base64) ?? Data())
    }

    static func floats(base64: String) -> [Float] {
        let d = Data(base64Encoded: base64) ?? Data()
        return d.withUnsafeBytes { raw in
            (0..<(d.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// A fresh temporary folder, removed at the end of the test.
    static func temporaryFolder(_ test: XCTestCase) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pretext-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    /// A small random RGB image.
    static func noiseImage(width: Int, height: Int, seed: UInt64) -> Image {
        var rng = RNG(seed: seed)
        let px = (0..<(width * height * 3)).map { _ in UInt8(rng.int(below: 256)) }
        return try! Image(width: width, height: height, pixels: px)
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        var m: Float = 0
        for i in 0..<a.count { m = max(m, abs(a[i] - b[i])) }
        return m
    }
}
