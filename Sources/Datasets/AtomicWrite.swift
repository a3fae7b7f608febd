import Foundation

extension Datasets {
/// Writes a file under a temporary name and renames it over `path`, so `path` is always either
/// the old or the new complete file, even if the process is killed while writing
/// (rename(2) is atomic within a file system).
public static func writeAtomically(_ path: String, describing what: String, _ write: (String) throws -> Void) throws {
    let tmp = path + ".tmp-\(getpid())"
    do {
        try write(tmp)
    } catch {
        unlink(tmp)
        throw DatasetError("cannot write \(what) '\(path)': \(error)")
    }
    guard rename(tmp, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(tmp)
        throw DatasetError("cannot write \(what) '\(path)': \(reason)")
    }
}
}
