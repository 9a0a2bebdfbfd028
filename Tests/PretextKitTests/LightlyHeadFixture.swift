import Foundation
import XCTest
import PretextNN
import PretextTensor

/// A Lightly head recorded by a fixture script (`head_case` in Tests/Fixtures/make_*_fixture.py):
/// parameter names and shapes, its weights, an input and its training-mode output.
extension XCTestCase {
    /// Loads the recorded weights into `head` and checks names, shapes and the output to 1e-5.
    func checkHead(_ head: ProjectionHead, against fx: [String: Any], _ key: String,
                   file: StaticString = #filePath, line: UInt = #line) throws {
        func matrix(_ v: Any?) -> Tensor { KitFixture.matrix(v) }
        let params = fx["params"] as! [[String: Any]]
        let state = Dictionary(uniqueKeysWithValues: head.stateDict().map { ($0.key, $0.tensor) })
        XCTAssertEqual(Set(state.keys.filter { !$0.hasSuffix("num_batches_tracked") }), Set(params.map { $0["name"] as! String }),
                       key, file: file, line: line)
        var load: [String: Tensor] = [:]
        for p in params {
            let shape = (p["shape"] as! [NSNumber]).map(\.intValue)
            XCTAssertEqual(state[p["name"] as! String]?.shape, shape, "\(key) \(p["name"]!)", file: file, line: line)
            load[p["name"] as! String] = Tensor(shape: shape, scalars: (p["values"] as! [NSNumber]).map(\.floatValue))
        }
        _ = try head.loadStateDict(load, strict: false)
        head.train()
        let y = try noGrad { try head(matrix(fx["x"])) }
        let expected = matrix(fx["y"])
        XCTAssertEqual(y.shape, expected.shape, key, file: file, line: line)
        for (a, b) in zip(y.scalars, expected.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5, key, file: file, line: line) }
    }
}
