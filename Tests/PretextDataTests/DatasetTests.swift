import Foundation
import XCTest
@testable import PretextData

/// ImageFolder / file-list / synthetic datasets.
final class DatasetTests: XCTestCase {
    /// Writes a small PNG/JPEG-like tree and returns its root.
    func makeFolder(_ files: [String: Image?]) throws -> String {
        let root = try TestSupport.temporaryFolder(self)
        for (rel, img) in files {
            let path = root + "/" + rel
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            if let img { try PNGWriter.write(img, to: path) } else {
                try "not an image".write(toFile: path, atomically: true, encoding: .utf8)
            }
        }
        return root
    }

    func testImageFolderClassesAndOrderMatchTorchvision() throws {
        let a = TestSupport.noiseImage(width: 4, height: 3, seed: 1)
        let root = try makeFolder([
            "dog/b.png": a, "dog/a.PNG": a, "dog/nested/c.png": a, "dog/z_notes.txt": nil,
            "cat/1.jpeg": nil, "cat/2.png": a, "Zebra/x.png": a, ".hidden/y.png": a,
        ])
        // cat/1.jpeg holds text: it is listed (by extension) and fails only when decoded.
        let ds = try ImageFolderDataset(root: root)
        XCTAssertEqual(ds.classNames, ["Zebra", "cat", "dog"]) // code-point order, as Python's sorted()
        XCTAssertEqual(ds.relativePaths, ["Zebra/x.png", "cat/1.jpeg", "cat/2.png", "dog/a.PNG", "dog/b.png", "dog/nested/c.png"])
        XCTAssertEqual(ds.labels, [0, 1, 1, 2, 2, 2])
        XCTAssertEqual(ds.name(at: 5), "dog/nested/c.png")
        XCTAssertEqual(try ds.image(at: 0), a)
        XCTAssertThrowsError(try ds.image(at: 1)) { e in
            XCTAssertTrue("\(e)".contains("cat/1.jpeg"), "error names the file: \(e)")
        }
        XCTAssertThrowsError(try ds.image(at: 99)) { e in XCTAssertEqual(e as? DataError, .indexOutOfRange(index: 99, count: 6)) }
        // skipBadImages drops the unreadable file and reports it.
        let clean = try ImageFolderDataset(root: root, skipBadImages: true)
        XCTAssertEqual(clean.count, 5)
        XCTAssertEqual(clean.skipped.count, 1)
        XCTAssertTrue(clean.skipped[0].path.hasSuffix("cat/1.jpeg"))
        XCTAssertEqual(clean.labels, [0, 1, 2, 2, 2])
    }

    /// A symlink loop (`cat/loop -> ..`) or a second link to a folder does not repeat images: each
    /// real directory is walked once (device + inode); a link to a sibling class still counts.
    func testSymlinkLoopsDoNotMultiplySamples() throws {
        let a = TestSupport.noiseImage(width: 4, height: 3, seed: 1)
        var files: [String: Image?] = [:]
        for i in 0..<15 { files["cat/\(i).png"] = a; files["dog/\(i).png"] = a }
        let root = try makeFolder(files)
        try FileManager.default.createSymbolicLink(atPath: root + "/cat/loop", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: root + "/dog/self", withDestinationPath: ".")
        try FileManager.default.createDirectory(atPath: root + "/dog/sub", withIntermediateDirectories: true)
        try PNGWriter.write(a, to: root + "/dog/sub/x.png")
        try FileManager.default.createSymbolicLink(atPath: root + "/dog/sub2", withDestinationPath: "sub")
        let ds = try ImageFolderDataset(root: root)
        XCTAssertEqual(ds.count, 31)
        XCTAssertEqual(ds.labels.filter { $0 == 0 }.count, 15)
        XCTAssertEqual(Set(ds.relativePaths).count, 31)
    }

    /// A file name that is not valid UTF-8 (Latin-1 "café.png", bytes 63 61 66 E9) is found, decoded and
    /// named with `\xE9` in messages, not reported as missing.
    func testNonUTF8FileNamesLoadAndAreNamedWithEscapes() throws {
        let a = TestSupport.noiseImage(width: 4, height: 3, seed: 1)
        let root = try makeFolder(["cat/ok.png": a, "dog/ok.png": a])
        let latin1: [UInt8] = Array("\(root)/cat/caf".utf8) + [0xE9] + Array(".png".utf8)
        let broken: [UInt8] = Array("\(root)/dog/bad".utf8) + [0xFF, 0xFE] + Array(".png".utf8)
        XCTAssertEqual(rename(root + "/cat/ok.png", latin1.map { CChar(bitPattern: $0) } + [0]), 0)
        let garbage = root + "/dog/garbage.png"
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: garbage))
        XCTAssertEqual(rename(garbage, broken.map { CChar(bitPattern: $0) } + [0]), 0)

        let ds = try ImageFolderDataset(root: root, skipBadImages: true)
        XCTAssertEqual(ds.count, 2)
        let i = try XCTUnwrap(ds.relativePaths.firstIndex { $0.hasPrefix("cat/") })
        XCTAssertEqual(FileNameBytes.cString(ds.path(at: i)).dropLast().map { UInt8(bitPattern: $0) }, latin1)
        let image = try ImageDecoder.decode(file: ds.path(at: i))
        XCTAssertEqual(image.pixels, a.pixels)
        XCTAssertEqual(ds.skipped.count, 1)
        let message = "\(try XCTUnwrap(ds.skipped.first?.error))"
        XCTAssertTrue(message.contains("dog/bad\\xFF\\xFE.png"), message)
        XCTAssertEqual(FileNameBytes.display(FileNameBytes.name([0x61, 0xC3, 0xA9, 0xE9])), "aé\\xE9")
    }

    func testImageFolderFlatEmptyAndBadLayouts() throws {
        let a = TestSupport.noiseImage(width: 4, height: 3, seed: 1)
        let flat = try ImageFolderDataset(root: try makeFolder(["b.jpg": a, "a.png": a, "readme.md": nil]))
        XCTAssertEqual(flat.classNames, [])
        XCTAssertEqual(flat.relativePaths, ["a.png", "b.jpg"])
        XCTAssertEqual(flat.labels, [nil, nil])
        XCTAssertFalse(flat.isLabelled)

        let empty = try TestSupport.temporaryFolder(self)
        XCTAssertThrowsError(try ImageFolderDataset(root: empty)) { e in
            guard case .noImages? = e as? DataError else { return XCTFail("\(e)") }
            XCTAssertTrue("\(e)".contains(empty))
        }
        let noImages = try makeFolder(["docs/readme.txt": nil])
        XCTAssertThrowsError(try ImageFolderDataset(root: noImages)) { e in
            guard case .noImages? = e as? DataError else { return XCTFail("\(e)") }
        }
        let emptyClass = try makeFolder(["cat/a.png": a, "dog/readme.txt": nil])
        XCTAssertThrowsError(try ImageFolderDataset(root: emptyClass)) { e in
            XCTAssertEqual(e as? DataError, .emptyClassFolders(folder: emptyClass, classes: ["dog"]))
        }
        XCTAssertThrowsError(try ImageFolderDataset(root: empty + "/nope")) { e in
            XCTAssertEqual(e as? DataError, .notAFolder(path: empty + "/nope"))
        }
        let allBad = try makeFolder(["x.png": nil])
        XCTAssertThrowsError(try ImageFolderDataset(root: allBad, skipBadImages: true))
    }

    func testFileList() throws {
        let a = TestSupport.noiseImage(width: 4, height: 3, seed: 1)
        let root = try makeFolder(["img/a.png": a, "img/b b.png": a, "img/c.png": a])
        let list = root + "/train.txt"
        try "# comment\nimg/a.png\tcat\nimg/b b.png\tdog\n\nimg/c.png, cat\n".write(toFile: list, atomically: true, encoding: .utf8)
        let ds = try FileListDataset(listFile: list)
        XCTAssertEqual(ds.count, 3)
        XCTAssertEqual(ds.classNames, ["cat", "dog"])
        XCTAssertEqual(ds.labels, [0, 1, 0])
        XCTAssertEqual(ds.name(at: 1), "img/b b.png")
        XCTAssertEqual(try ds.image(at: 1), a)

        let ints = root + "/ints.txt"
        try "img/a.png 2\n\(root)/img/c.png 0\n".write(toFile: ints, atomically: true, encoding: .utf8)
        let di = try FileListDataset(listFile: ints)
        XCTAssertEqual(di.labels, [2, 0])
        XCTAssertEqual(di.classNames, ["0", "1", "2"])

        let unlabelled = root + "/u.txt"
        try "img/a.png\nimg/c.png\n".write(toFile: unlabelled, atomically: true, encoding: .utf8)
        XCTAssertEqual(try FileListDataset(listFile: unlabelled).labels, [nil, nil])

        let mixed = root + "/mixed.txt"
        try "img/a.png 1\nimg/c.png\n".write(toFile: mixed, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try FileListDataset(listFile: mixed)) { e in
            guard case .badFileList(_, let line, _)? = e as? DataError else { return XCTFail("\(e)") }
            XCTAssertEqual(line, 2)
        }
        XCTAssertThrowsError(try FileListDataset(listFile: root + "/missing.txt")) { e in
            XCTAssertEqual(e as? DataError, .fileNotFound(path: root + "/missing.txt"))
        }
        let missingImage = root + "/m.txt"
        try "img/none.png\n".write(toFile: missingImage, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try FileListDataset(listFile: missingImage).image(at: 0)) { e in
            XCTAssertEqual(e as? DataError, .fileNotFound(path: root + "/img/none.png"))
        }
    }

    func testSyntheticShapesAreDeterministicAndBalanced() throws {
        let a = try SyntheticShapesDataset(count: 40, size: 32, seed: 3)
        let b = try SyntheticShapesDataset(count: 40, size: 32, seed: 3)
        let c = try SyntheticShapesDataset(count: 40, size: 32, seed: 4)
        XCTAssertEqual(a.classNames.count, 10)
        for i in [0, 7, 19, 39] {
            XCTAssertEqual(try a.image(at: i), try b.image(at: i))
            XCTAssertNotEqual(try a.image(at: i), try c.image(at: i))
        }
        XCTAssertEqual((0..<40).map { a.label(at: $0)! }, (0..<40).map { $0 % 10 })
        XCTAssertEqual(a.name(at: 13), "ring/000013.png")
        XCTAssertEqual(try a.image(at: 5).width, 32)
        // Fixed pixel checksum: a change of the generator changes the default dataset and must be deliberate.
        let sum = (0..<10).reduce(0) { acc, i in acc + (try! a.image(at: i)).pixels.reduce(0) { $0 + Int($1) } }
        XCTAssertEqual(sum, SyntheticShapesDatasetChecksum.seed3First10)
        // Any size works.
        XCTAssertEqual(try SyntheticShapesDataset(count: 2, size: 96).image(at: 1).height, 96)
        XCTAssertThrowsError(try SyntheticShapesDataset(count: 0))
        XCTAssertThrowsError(try a.image(at: 40))
    }

    func testSyntheticDatasetExportsAsImageFolder() throws {
        let dir = try TestSupport.temporaryFolder(self)
        let small = try SyntheticShapesDataset(count: 20, size: 16, seed: 0)
        try small.writeImageFolder(to: dir)
        let folder = try ImageFolderDataset(root: dir)
        XCTAssertEqual(folder.count, 20)
        XCTAssertEqual(folder.classNames, small.classNames.sorted())
        // The exported PNGs decode to exactly the generated pixels.
        let i = folder.relativePaths.firstIndex(of: small.name(at: 7))!
        XCTAssertEqual(try folder.image(at: i), try small.image(at: 7))
    }

    func testInMemoryDatasetKeepsSamplesLabelsAndNames() throws {
        let synth = try SyntheticShapesDataset(count: 12, size: 16, seed: 2)
        let mem = try InMemoryDataset(loading: synth)
        XCTAssertEqual(mem.count, 12)
        XCTAssertEqual(mem.classNames, synth.classNames)
        for i in [0, 5, 11] {
            XCTAssertEqual(try mem.image(at: i), try synth.image(at: i))
            XCTAssertEqual(mem.label(at: i), synth.label(at: i))
            XCTAssertEqual(mem.name(at: i), synth.name(at: i))
        }
        XCTAssertThrowsError(try InMemoryDataset(images: [], labels: []))
        XCTAssertThrowsError(try InMemoryDataset(images: [try synth.image(at: 0)], labels: [3], classNames: ["a"]))
        let root = try TestSupport.temporaryFolder(self)
        try "x".write(toFile: root + "/bad.png", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try InMemoryDataset(loading: try ImageFolderDataset(root: root))) { e in
            XCTAssertTrue("\(e)".contains("bad.png"), "\(e)")
        }
    }

    func testCIFARSubsetIfPresent() throws {
        let train = TestSupport.cifar.appendingPathComponent("train").path
        guard FileManager.default.fileExists(atPath: train) else {
            throw XCTSkip("../shared/data/cifar10 not present")
        }
        let ds = try ImageFolderDataset(root: train)
        XCTAssertEqual(ds.count, 5000)
        XCTAssertEqual(ds.classNames, ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"])
        let img = try ds.image(at: 4321)
        XCTAssertEqual([img.width, img.height], [32, 32])
        XCTAssertEqual(ds.label(at: 0), 0)
        XCTAssertEqual(ds.label(at: 4999), 9)
    }
}

enum SyntheticShapesDatasetChecksum {
    static let seed3First10 = 4_110_048
}
