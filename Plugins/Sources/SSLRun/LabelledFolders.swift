import Foundation
import Pretext

/// The labelled --train / --test folder pair that `eval`, and `finetune` open: both must have class
/// sub-folders, and the same ones, or the accuracies would compare different label sets.
enum LabelledFolders {
    static func open(train: String, test: String, purpose: String) throws -> (train: ImageFolderDataset, test: ImageFolderDataset) {
        let trainSet: ImageFolderDataset, testSet: ImageFolderDataset
        do {
            trainSet = try ImageFolderDataset(root: train)
            testSet = try ImageFolderDataset(root: test)
        } catch { throw CommandFailure(message: "\(error)") }
        guard trainSet.isLabelled, testSet.isLabelled else {
            throw CommandFailure(message: "\(purpose) needs labelled folders (one sub-folder per class); '\(trainSet.isLabelled ? test : train)' has images but no class sub-folders")
        }
        guard trainSet.classNames == testSet.classNames else {
            throw CommandFailure(message: "the class folders differ: --train has \(trainSet.classNames.joined(separator: ", ")); --test has \(testSet.classNames.joined(separator: ", "))")
        }
        return (trainSet, testSet)
    }
}
