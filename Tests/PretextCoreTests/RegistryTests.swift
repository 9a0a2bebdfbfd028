import XCTest
@testable import PretextCore
import PretextTensor

final class RegistryTests: XCTestCase {
    final class Halve: Loss {
        func callAsFunction(_ inputs: [Tensor]) throws -> Tensor { inputs[0] * 0.5 }
    }

    func testRegistrationSourcesDuplicatesAndUnknownNames() throws {
        let r = Registry()
        try r.registerLoss("halve", summary: "x/2") { _, _ in Halve() }
        XCTAssertEqual(r.entry(.loss, "halve")?.source, "built-in")
        XCTAssertThrowsError(try r.registerLoss("halve", summary: "again") { _, _ in Halve() }) { error in
            XCTAssertTrue("\(error)".contains("'halve' is registered twice: by built-in and by built-in"))
        }
        XCTAssertThrowsError(try r.registerLoss("Halve", summary: "") { _, _ in Halve() })
        // A plugin's registrations land together or not at all.
        XCTAssertThrowsError(try r.transaction(source: "/p/libX.so") {
            try r.registerLoss("double", summary: "") { _, _ in Halve() }
            try r.registerLoss("halve", summary: "") { _, _ in Halve() }
        }) { error in XCTAssertTrue("\(error)".contains("by built-in and by /p/libX.so"), "\(error)") }
        XCTAssertNil(r.entry(.loss, "double"))
        try r.transaction(source: "/p/libY.so") { try r.registerLoss("double", summary: "") { _, _ in Halve() } }
        XCTAssertEqual(r.entry(.loss, "double")?.source, "/p/libY.so")
        let ctx = BuildContext(registry: r, seed: 0)
        let loss = try r.makeLoss("halve", ConfigSection(path: "method"), ctx)
        XCTAssertEqual(try loss([Tensor([4])]).item, 2)
        XCTAssertThrowsError(try r.makeLoss("halv", ConfigSection(path: "method"), ctx)) { error in
            XCTAssertTrue("\(error)".contains("unknown loss 'halv' — did you mean 'halve'?"), "\(error)")
        }
        XCTAssertEqual(r.list(.loss).map(\.name), ["double", "halve"])
    }

    func testABIVersionsAgree() {
        // The inlined constant a plugin reports must equal the framework's own at build time.
        XCTAssertEqual(PluginABI.compiledVersion, PluginABI.hostVersion)
    }

    func testPluginErrorsNameTheFileAndWhatToDo() {
        let e = PluginError.abiMismatch(path: "/x/libA.so", plugin: 2, host: 1)
        XCTAssertTrue("\(e)".contains("/x/libA.so") && "\(e)".contains("ABI 2") && "\(e)".contains("rebuild"))
    }
}
