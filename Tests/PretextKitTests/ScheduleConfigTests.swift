import XCTest
@testable import PretextKit
import PretextCore

/// The built-in schedules read from the `schedule` section.
final class ScheduleConfigTests: XCTestCase {
    /// `warmup_epochs: 1e300` (or `nan`, `inf`) trapped converting the warm-up to a step count; now it is
    /// an error naming the key. (Found reading the schedule factories while writing Tests/Fuzz's config
    /// target; confirmed with it.)
    func testImpossibleWarmupIsAConfigErrorNotATrap() throws {
        let registry = Registry()
        try Builtins.register(in: registry)
        let context = BuildContext(registry: registry, seed: 0)
        context.stepsPerEpoch = 100
        for name in ["cosine", "constant"] {
            for bad in ["1e300", "nan", "inf", "-1", "1000001"] {
                let yaml = "schedule:\n  name: \(name)\n  warmup_epochs: \(bad)\n"
                let section = ConfigSection(path: "schedule", value: try ConfigFile.parse(yaml)["schedule"])
                XCTAssertThrowsError(try registry.makeSchedule(name, section, context), "\(name) \(bad)") { e in
                    XCTAssertTrue("\(e)".contains("schedule.warmup_epochs") && "\(e)".contains("between 0 and 1000000"), "\(e)")
                }
            }
            let section = ConfigSection(path: "schedule", values: ["warmup_epochs": .double(2.5)])
            let schedule = try registry.makeSchedule(name, section, context)
            XCTAssertLessThan(schedule.value(at: 0, of: 1000), schedule.value(at: 250, of: 1000), "\(name) warms up over 250 steps")
        }
    }
}
