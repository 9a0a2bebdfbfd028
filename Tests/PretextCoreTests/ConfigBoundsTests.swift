import XCTest
@testable import PretextCore

/// Hostile configuration documents give errors naming the file, never a crash or gigabytes of memory;
/// nested sections are validated like top-level ones.
final class ConfigBoundsTests: XCTestCase {
    func assertRefused(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ConfigFile.parse(text, file: "bomb.yaml"), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains("bomb.yaml") && "\(error)".contains(expected), "\(error)", file: file, line: line)
        }
    }

    func testDeepNestingIsRefusedBeforeTheParser() {
        // Block mappings 1,000 levels deep (one space per level; 0.5 MB), sequences of sequences, flow brackets.
        let block = (0..<1000).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1\n"
        assertRefused(block, "nested more than 64 levels")
        assertRefused("method:\n  x: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n", "nested more than 64 levels")
        assertRefused("method:\n  x:\n" + String(repeating: "- ", count: 5000) + "1\n", "nested more than 64 levels")
        // Thirty levels are fine.
        let ok = (0..<30).map { String(repeating: "  ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1\n"
        XCTAssertNoThrow(try ConfigFile.parse(ok))
    }

    func testAliasBombStopsAtTheValueBudget() {
        // "Billion laughs": nine levels of nine aliases = 9^9 values after expansion, from 700 bytes.
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        let start = Date()
        assertRefused(text, "more than 100000 values")
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "the budget must stop the expansion early")
    }

    func testHugeDocumentsAreRefused() {
        assertRefused("method:\n  note: \"" + String(repeating: "x", count: 1 << 21) + "\"\n", "bytes")
    }

    func testNestedSectionsAreValidatedToo() throws {
        let method = ConfigSection(path: "method", values: ["projection": .map(["hiden_dim": .int(3)])])
        _ = try method.section("projection").int("hidden_dim", 2048)
        XCTAssertThrowsError(try method.validate()) { XCTAssertTrue("\($0)".contains("method.projection.hiden_dim") && "\($0)".contains("hidden_dim"), "\($0)") }
        let scalar = ConfigSection(path: "method", values: ["projection": .int(128)])
        _ = try scalar.section("projection").int("output_dim", 128)
        XCTAssertThrowsError(try scalar.validate()) { XCTAssertTrue("\($0)".contains("method.projection") && "\($0)".contains("a section"), "\($0)") }
    }

    func testBoundedNumbersNameTheKeyAndTheBound() throws {
        let s = ConfigSection(path: "optimizer", values: ["lr": .double(-0.1), "width": .int(0)])
        XCTAssertThrowsError(try s.float("lr", 0.06, "", greaterThan: 0)) { XCTAssertTrue("\($0)".contains("optimizer.lr") && "\($0)".contains("greater than 0"), "\($0)") }
        XCTAssertThrowsError(try s.float("width", 1, "", greaterThan: 0, atMost: 16)) { XCTAssertTrue("\($0)".contains("optimizer.width"), "\($0)") }
        XCTAssertEqual(try s.float("absent", 2, "", greaterThan: 0, atMost: 16), 2)
    }
}
