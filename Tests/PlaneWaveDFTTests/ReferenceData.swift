import Foundation

/// Locates reference files copied into the test bundle (from shared/reference).
enum ReferenceData {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Reference")!
    }
}
