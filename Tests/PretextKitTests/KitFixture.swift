import Foundation
import PretextTensor

/// The kit's Lightly reference fixtures (`Tests/Fixtures/kit/NAME.json`, each made by its
/// `Tests/Fixtures/make_*_fixture.py`), read once per test class, and their matrices as tensors.
enum KitFixture {
    static func load(_ name: String) -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/kit/\(name).json")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    /// A JSON list of rows as a [rows, columns] tensor.
    static func matrix(_ v: Any?) -> Tensor {
        let rows = v as! [[NSNumber]]
        return Tensor(shape: [rows.count, rows[0].count], scalars: rows.flatMap { $0.map(\.floatValue) })
    }
}
