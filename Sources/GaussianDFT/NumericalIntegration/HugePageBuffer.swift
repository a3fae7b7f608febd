#if canImport(Glibc)
import Glibc
#endif

/// An uninitialised buffer of `Double`s for large, long-lived caches, aligned to 2 MiB and
/// advised as transparent-huge-page memory (`madvise(MADV_HUGEPAGE)`), so that filling it takes
/// one page fault per 2 MiB instead of one per 4 KiB (the AO-value cache is filled once and read on
/// every SCF pass; with 4 KiB pages its faults cost as much as evaluating the AOs). Where the
/// kernel declines, or below 2 MiB, it is ordinary memory.
final class HugePageBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>
    let count: Int

    init(count: Int) {
        self.count = count
        let bytes = max(1, count) * MemoryLayout<Double>.stride
        let huge = 2 << 20
        if bytes >= huge {
            let rounded = (bytes + huge - 1) / huge * huge
            let raw = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: huge)
            #if canImport(Glibc)
            _ = madvise(raw, rounded, MADV_HUGEPAGE)
            #endif
            pointer = raw.bindMemory(to: Double.self, capacity: max(1, count))
        } else {
            pointer = UnsafeMutablePointer<Double>.allocate(capacity: max(1, count))
        }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
