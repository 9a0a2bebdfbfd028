import XCTest
@testable import PretextCore

final class ConfigTests: XCTestCase {
    func testScalarsParseLikeYAML() {
        XCTAssertEqual(ConfigValue.parseScalar("3"), .int(3))
        XCTAssertEqual(ConfigValue.parseScalar("5e-4"), .double(5e-4))
        XCTAssertEqual(ConfigValue.parseScalar("true"), .bool(true))
        XCTAssertEqual(ConfigValue.parseScalar("[20, 200]"), .list([.int(20), .int(200)]))
        XCTAssertEqual(ConfigValue.parseScalar("'7'"), .string("7"))
        XCTAssertEqual(ConfigValue.parseScalar("vit-s"), .string("vit-s"))
    }

    func testYAMLMergeAndSet() throws {
        let base = try ConfigFile.parse("method:\n  name: simclr\n  temperature: 0.5\ntrain:\n  epochs: 10\n")
        let over = try ConfigFile.parse("method:\n  temperature: 0.2\n")
        let merged = base.merged(with: over).setting(["train", "epochs"], to: .int(3))
        XCTAssertEqual(merged["method"]?["name"], .string("simclr"))
        XCTAssertEqual(merged["method"]?["temperature"], .double(0.2))
        XCTAssertEqual(merged["train"]?["epochs"], .int(3))
        // Round trip through the writer.
        XCTAssertEqual(try ConfigFile.parse(ConfigFile.yaml(merged)), merged)
        XCTAssertThrowsError(try ConfigFile.parse("- a\n- b\n")) { XCTAssertTrue("\($0)".contains("top level")) }
    }

    func testTypedReadsRecordDefaultsAndRejectTyposAndWrongTypes() throws {
        let s = ConfigSection(path: "method", values: ["temperature": .double(0.2), "temperatur": .double(0.1), "size": .string("big")])
        XCTAssertEqual(try s.float("temperature", 0.5), 0.2)
        XCTAssertEqual(try s.int("queue", 4096, "queue length"), 4096)
        XCTAssertThrowsError(try s.int("size", 1)) { error in
            XCTAssertEqual("\(error)", "config key 'method.size' must be an integer, found a string 'big'")
        }
        s.accept("size")
        XCTAssertThrowsError(try s.validate()) { error in
            XCTAssertTrue("\(error)".contains("unknown config key 'method.temperatur' — did you mean 'method.temperature'?"), "\(error)")
        }
        XCTAssertEqual(s.resolvedValue["queue"], .int(4096))
        XCTAssertThrowsError(try s.string("size", "x", choices: ["small", "large"])) {
            XCTAssertTrue("\($0)".contains("'big' is not one of small, large"))
        }
    }

    /// Integers out of range or beyond Int (1e20, or a 20-digit literal the parser reads as a double) are
    /// errors naming the key, never a trap converting to Int (reliability issue, crash classes 1-3).
    func testIntegerRangesAndHugeValuesAreErrorsNotTraps() throws {
        XCTAssertEqual(ConfigValue.parseScalar("99999999999999999999"), .double(1e20))
        let s = ConfigSection(path: "train", values: ["epochs": .double(1e20), "seed": .int(-1), "log_every": .int(0),
                                                     "workers": .double(4), "big": .double(-9.1e15)])
        XCTAssertThrowsError(try s.int("epochs", 10)) { error in
            XCTAssertTrue("\(error)".contains("train.epochs") && "\(error)".contains("too large"), "\(error)")
        }
        XCTAssertThrowsError(try s.int("big", 0))
        XCTAssertThrowsError(try s.int("seed", 0, range: 0...Int.max)) { error in
            XCTAssertTrue("\(error)".contains("train.seed") && "\(error)".contains("is -1; it must be at least 0"), "\(error)")
        }
        XCTAssertThrowsError(try s.int("log_every", 10, range: 1...Int.max)) { error in
            XCTAssertTrue("\(error)".contains("train.log_every") && "\(error)".contains("at least 1"), "\(error)")
        }
        XCTAssertEqual(try s.int("workers", 2, range: 0...1024), 4)
        XCTAssertThrowsError(try s.int("workers", 2, range: 5...8)) { XCTAssertTrue("\($0)".contains("between 5 and 8"), "\($0)") }
        XCTAssertEqual(try s.int("missing", 3, range: 1...5), 3)
    }

    func testSuggestions() {
        XCTAssertEqual(Suggest.closest(to: "simclrr", in: ["simclr", "moco", "dino"]), "simclr")
        XCTAssertEqual(Suggest.closest(to: "vit", in: ["vit-s", "resnet18"]), "vit-s")
        XCTAssertNil(Suggest.closest(to: "banana", in: ["simclr", "moco"]))
        XCTAssertEqual(Suggest.distance("kitten", "sitting"), 3)
    }

    /// An empty section (e.g. a method's `classifier:` with nothing set) is written as `{}` so that
    /// config.yaml reads back as the same tree (it used to come back as an empty string, which the
    /// section check refused on --resume).
    func testEmptySectionsRoundTripThroughYAML() throws {
        let tree = ConfigValue.map(["method": .map(["classifier": .map([:]), "name": .string("rotation")]), "eval": .map([:])])
        let text = ConfigFile.yaml(tree)
        XCTAssertTrue(text.contains("classifier: {}"), text)
        XCTAssertEqual(try ConfigFile.parse(text), tree)
    }
}
