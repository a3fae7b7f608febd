import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// A small, typed wrapper over the HDF5 C library: files, groups, attributes and chunked,
// extendable datasets whose first dimension grows as rows are appended.
// Every object closes its `hid_t` in `deinit`; children keep their parent alive.

/// An HDF5 failure with a one-line message (what chemflow tried, then HDF5's innermost reason).
public struct HDF5Error: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// HDF5 prints its error stack to stderr by default; chemflow reports errors itself.
private var silenceHDF5: Void {
    chdf5_quiet()
}

/// The innermost message on HDF5's current error stack (then cleared), if any.
private func hdf5Reason() -> String? {
    final class Box { var text: String? }
    let box = Box()
    let unmanaged = Unmanaged.passRetained(box)
    defer { unmanaged.release() }
    _ = H5Ewalk2(chdf5_e_default(), H5E_WALK_DOWNWARD, { _, err, data in
        guard let err, let data else { return 0 }
        let box = Unmanaged<Box>.fromOpaque(data).takeUnretainedValue()
        if let desc = err.pointee.desc { box.text = String(cString: desc) }  // last = innermost
        return 0
    }, unmanaged.toOpaque())
    _ = H5Eclear2(chdf5_e_default())
    return box.text
}

@inline(__always)
func hdf5Fail(_ what: String) -> HDF5Error {
    if let reason = hdf5Reason(), !reason.isEmpty { return HDF5Error("\(what): \(reason)") }
    return HDF5Error(what)
}

@discardableResult @inline(__always)
func hcheck(_ status: herr_t, _ what: @autoclosure () -> String) throws -> herr_t {
    if status < 0 { throw hdf5Fail(what()) }
    return status
}

@inline(__always)
func hcheckID(_ id: hid_t, _ what: @autoclosure () -> String) throws -> hid_t {
    if id < 0 { throw hdf5Fail(what()) }
    return id
}

/// An owned HDF5 identifier of any kind (property list, dataspace, datatype): closed with `H5Idec_ref`.
final class HDF5Handle {
    let id: hid_t
    init(_ id: hid_t) { self.id = id }
    deinit { if id >= 0 { _ = H5Idec_ref(id) } }
}

// MARK: - Element types

/// Numbers that map onto an HDF5 native type.
public protocol HDF5Numeric: Sendable {
    static var hdf5NativeType: hid_t { get }
    static var hdf5Zero: Self { get }
}
extension Double: HDF5Numeric {
    public static var hdf5NativeType: hid_t { chdf5_native_double() }
    public static var hdf5Zero: Double { 0 }
}
extension Float: HDF5Numeric {
    public static var hdf5NativeType: hid_t { chdf5_native_float() }
    public static var hdf5Zero: Float { 0 }
}
extension Int32: HDF5Numeric {
    public static var hdf5NativeType: hid_t { chdf5_native_int32() }
    public static var hdf5Zero: Int32 { 0 }
}
extension Int64: HDF5Numeric {
    public static var hdf5NativeType: hid_t { chdf5_native_int64() }
    public static var hdf5Zero: Int64 { 0 }
}
extension UInt8: HDF5Numeric {
    public static var hdf5NativeType: hid_t { chdf5_native_uint8() }
    public static var hdf5Zero: UInt8 { 0 }
}
extension Int8: HDF5Numeric {
    public static var hdf5NativeType: hid_t { chdf5_native_int8() }
    public static var hdf5Zero: Int8 { 0 }
}

/// The element type of a dataset, as created in the file.
public enum HDF5ElementType: Sendable, Equatable {
    case float64, float32, int32, int64, uint8, int8
    /// Variable-length UTF-8 string (not allowed in datasets written under SWMR).
    case string
    /// Fixed-width UTF-8 string of at most `bytes` bytes (null-padded), SWMR-safe.
    case fixedString(bytes: Int)

    /// A new datatype id for this element type (caller owns it).
    func makeType() throws -> HDF5Handle {
        switch self {
        case .float64: return HDF5Handle(H5Tcopy(chdf5_native_double()))
        case .float32: return HDF5Handle(H5Tcopy(chdf5_native_float()))
        case .int32: return HDF5Handle(H5Tcopy(chdf5_native_int32()))
        case .int64: return HDF5Handle(H5Tcopy(chdf5_native_int64()))
        case .uint8: return HDF5Handle(H5Tcopy(chdf5_native_uint8()))
        case .int8: return HDF5Handle(H5Tcopy(chdf5_native_int8()))
        case .string: return try makeStringType(size: chdf5_variable())
        case .fixedString(let bytes): return try makeStringType(size: max(bytes, 1))
        }
    }
}

func makeStringType(size: Int) throws -> HDF5Handle {
    let t = HDF5Handle(try hcheckID(H5Tcopy(chdf5_c_s1()), "cannot create a string type"))
    try hcheck(H5Tset_size(t.id, size), "cannot size a string type")
    try hcheck(H5Tset_cset(t.id, H5T_CSET_UTF8), "cannot set UTF-8 on a string type")
    if size != chdf5_variable() {
        try hcheck(H5Tset_strpad(t.id, H5T_STR_NULLPAD), "cannot set string padding")
    }
    return t
}

/// Truncates `s` to at most `bytes` UTF-8 bytes without splitting a character.
func utf8Prefix(_ s: String, bytes: Int) -> [UInt8] {
    let all = Array(s.utf8)
    if all.count <= bytes { return all }
    var end = bytes
    while end > 0 && (all[end] & 0xC0) == 0x80 { end -= 1 }  // all[end] is a continuation byte
    return Array(all[0..<end])
}

// MARK: - Objects with attributes

/// Something attributes hang on: a file's root group, a group or a dataset.
public protocol HDF5AttributeHolder: AnyObject {
    var objectID: hid_t { get }
}

extension HDF5AttributeHolder {
    /// Whether the attribute `name` exists.
    public func hasAttribute(_ name: String) throws -> Bool {
        chdf5_quiet()
        let r = H5Aexists(objectID, name)
        if r < 0 { throw hdf5Fail("cannot query attribute '\(name)'") }
        return r > 0
    }

    /// Names of all attributes, in creation/name order.
    public func attributeNames() throws -> [String] {
        chdf5_quiet()
        let box = NameBox()
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        var idx: hsize_t = 0
        try hcheck(H5Aiterate2(objectID, H5_INDEX_NAME, H5_ITER_INC, &idx, { _, name, _, data in
            guard let name, let data else { return 0 }
            Unmanaged<NameBox>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
            return 0
        }, unmanaged.toOpaque()), "cannot list attributes")
        return box.names
    }

    private func replaceAttribute(_ name: String, type: hid_t, space: hid_t,
                                  write: (hid_t) -> herr_t) throws {
        if try hasAttribute(name) {
            try hcheck(H5Adelete(objectID, name), "cannot replace attribute '\(name)'")
        }
        let attr = try hcheckID(H5Acreate2(objectID, name, type, space, chdf5_p_default(), chdf5_p_default()),
                                "cannot create attribute '\(name)'")
        defer { H5Aclose(attr) }
        try hcheck(write(attr), "cannot write attribute '\(name)'")
    }

    /// Sets a UTF-8 string attribute (variable length; h5py reads it as `str`).
    public func setAttribute(_ name: String, _ value: String) throws {
        _ = silenceHDF5
        let type = try makeStringType(size: chdf5_variable())
        let space = HDF5Handle(H5Screate(H5S_SCALAR))
        try value.withCString { cstr in
            var ptr: UnsafePointer<CChar>? = cstr
            try replaceAttribute(name, type: type.id, space: space.id) { attr in
                withUnsafePointer(to: &ptr) { H5Awrite(attr, type.id, $0) }
            }
        }
    }

    /// Sets a float64 scalar attribute.
    public func setAttribute(_ name: String, _ value: Double) throws {
        try setNumericAttribute(name, [value], scalar: true)
    }

    /// Sets an int64 scalar attribute.
    public func setAttribute(_ name: String, _ value: Int) throws {
        try setNumericAttribute(name, [Int64(value)], scalar: true)
    }

    /// Sets a 1-D float64 attribute.
    public func setAttribute(_ name: String, _ value: [Double]) throws {
        try setNumericAttribute(name, value, scalar: false)
    }

    /// Sets a 1-D int64 attribute.
    public func setAttribute(_ name: String, _ value: [Int]) throws {
        try setNumericAttribute(name, value.map { Int64($0) }, scalar: false)
    }

    private func setNumericAttribute<T: HDF5Numeric>(_ name: String, _ values: [T], scalar: Bool) throws {
        _ = silenceHDF5
        var dims = [hsize_t(values.count)]
        let space = HDF5Handle(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil))
        try replaceAttribute(name, type: T.hdf5NativeType, space: space.id) { attr in
            values.withUnsafeBufferPointer { H5Awrite(attr, T.hdf5NativeType, $0.baseAddress) }
        }
    }

    private func withAttribute<R>(_ name: String, _ body: (hid_t) throws -> R) throws -> R? {
        guard try hasAttribute(name) else { return nil }
        let attr = try hcheckID(H5Aopen(objectID, name, chdf5_p_default()), "cannot open attribute '\(name)'")
        defer { H5Aclose(attr) }
        return try body(attr)
    }

    /// A string attribute (fixed or variable length), nil if absent.
    public func stringAttribute(_ name: String) throws -> String? {
        try withAttribute(name) { attr in
            let ftype = HDF5Handle(H5Aget_type(attr))
            guard H5Tget_class(ftype.id) == H5T_STRING else {
                throw HDF5Error("attribute '\(name)' is not a string")
            }
            if H5Tis_variable_str(ftype.id) > 0 {
                let mem = try makeStringType(size: chdf5_variable())
                var ptr: UnsafeMutablePointer<CChar>? = nil
                try hcheck(H5Aread(attr, mem.id, &ptr), "cannot read attribute '\(name)'")
                defer { free(ptr) }
                return ptr.map { String(cString: $0) } ?? ""
            }
            let size = H5Tget_size(ftype.id)
            var buf = [UInt8](repeating: 0, count: size + 1)
            let mem = try makeStringType(size: size)
            try hcheck(H5Aread(attr, mem.id, &buf), "cannot read attribute '\(name)'")
            return decodeFixed(buf[0..<size])
        }
    }

    private func numericAttribute<T: HDF5Numeric>(_ name: String, as: T.Type) throws -> [T]? {
        try withAttribute(name) { attr in
            let space = HDF5Handle(H5Aget_space(attr))
            let n = Int(H5Sget_simple_extent_npoints(space.id))
            var values = [T](repeating: T.hdf5Zero, count: n)
            let r = values.withUnsafeMutableBufferPointer { H5Aread(attr, T.hdf5NativeType, $0.baseAddress) }
            try hcheck(r, "cannot read attribute '\(name)' as a number")
            return values
        }
    }

    /// A numeric scalar attribute as Double, nil if absent.
    public func doubleAttribute(_ name: String) throws -> Double? {
        try numericAttribute(name, as: Double.self)?.first
    }

    /// A numeric scalar attribute as Int, nil if absent.
    public func intAttribute(_ name: String) throws -> Int? {
        try numericAttribute(name, as: Int64.self)?.first.map { Int($0) }
    }

    /// A 1-D numeric attribute as [Double], nil if absent.
    public func doubleArrayAttribute(_ name: String) throws -> [Double]? {
        try numericAttribute(name, as: Double.self)
    }

    /// A 1-D numeric attribute as [Int], nil if absent.
    public func intArrayAttribute(_ name: String) throws -> [Int]? {
        try numericAttribute(name, as: Int64.self)?.map { Int($0) }
    }
}

final class NameBox { var names: [String] = [] }

func decodeFixed<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let trimmed = bytes.prefix { $0 != 0 }
    return String(decoding: trimmed, as: UTF8.self)
}

// MARK: - File

/// An open HDF5 file. Closed explicitly with `close()` or when the last reference goes.
public final class HDF5File: HDF5AttributeHolder {
    /// How to open an existing file.
    public enum Mode: Sendable {
        case readOnly, readWrite
        /// Read a file that a SWMR writer has open, or that one left behind after a crash.
        case swmrRead
        /// Read-write with single-writer/multiple-reader appends (file must use the latest format).
        case swmrWrite
    }

    public let path: String
    public private(set) var id: hid_t
    public var objectID: hid_t { id }

    private init(id: hid_t, path: String) {
        self.id = id
        self.path = path
        Self.closeOnExec(id)
    }

    /// Marks the file's descriptor close-on-exec. HDF5 opens files without O_CLOEXEC and holds a
    /// flock() lock on them; a child process started while the file is open (a test running the
    /// CLI, a user's program spawning tools) would inherit the descriptor and with it the lock, so
    /// reopening the file after we closed it failed ("unable to lock file") until that child exited.
    private static func closeOnExec(_ id: hid_t) {
        var handle: UnsafeMutableRawPointer? = nil
        guard H5Fget_vfd_handle(id, chdf5_p_default(), &handle) >= 0, let handle else { return }
        let fd = handle.load(as: Int32.self)
        let flags = fcntl(fd, F_GETFD)
        if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }

    private static func latestFormatAccess() throws -> HDF5Handle {
        let fapl = HDF5Handle(try hcheckID(H5Pcreate(chdf5_p_file_access()), "cannot create a file access list"))
        try hcheck(H5Pset_libver_bounds(fapl.id, chdf5_libver_latest(), chdf5_libver_latest()),
                   "cannot request the latest file format")
        return fapl
    }

    /// Creates a file. Refuses an existing file unless `overwrite`.
    /// `latestFormat` (required for SWMR) uses HDF5 ≥ 1.10 structures with checksummed metadata.
    public static func create(path: String, overwrite: Bool = false, latestFormat: Bool = true) throws -> HDF5File {
        _ = silenceHDF5
        let fapl = latestFormat ? try latestFormatAccess() : HDF5Handle(-1)
        let flags = overwrite ? chdf5_f_acc_trunc() : chdf5_f_acc_excl()
        let id = H5Fcreate(path, flags, chdf5_p_default(), latestFormat ? fapl.id : chdf5_p_default())
        if id < 0 {
            if !overwrite && access(path, F_OK) == 0 {
                _ = hdf5Reason()
                throw HDF5Error("cannot create '\(path)': the file exists")
            }
            throw hdf5Fail("cannot create HDF5 file '\(path)'")
        }
        return HDF5File(id: id, path: path)
    }

    /// Opens an existing file.
    public static func open(path: String, mode: Mode = .readOnly) throws -> HDF5File {
        _ = silenceHDF5
        guard access(path, F_OK) == 0 else { throw HDF5Error("cannot open '\(path)': no such file") }
        let flags: UInt32
        var fapl = HDF5Handle(-1)
        switch mode {
        case .readOnly: flags = chdf5_f_acc_rdonly()
        case .readWrite: flags = chdf5_f_acc_rdwr()
        case .swmrRead: flags = chdf5_f_acc_rdonly() | chdf5_f_acc_swmr_read()
        case .swmrWrite:
            flags = chdf5_f_acc_rdwr() | chdf5_f_acc_swmr_write()
            fapl = try latestFormatAccess()
        }
        let id = H5Fopen(path, flags, fapl.id >= 0 ? fapl.id : chdf5_p_default())
        if id < 0 { throw hdf5Fail("cannot open HDF5 file '\(path)'") }
        return HDF5File(id: id, path: path)
    }

    /// The root group "/".
    public func root() throws -> HDF5Group { try HDF5Group(open: "/", in: self, parent: self) }

    /// Creates a group at an absolute or root-relative path.
    public func createGroup(_ name: String) throws -> HDF5Group { try root().createGroup(name) }

    /// Opens a group at an absolute or root-relative path.
    public func openGroup(_ name: String) throws -> HDF5Group { try root().openGroup(name) }

    /// Opens a dataset at an absolute or root-relative path.
    public func openDataset(_ name: String) throws -> HDF5Dataset { try root().openDataset(name) }

    /// Whether a link (group or dataset) exists at `path` (all intermediate groups checked).
    public func exists(_ path: String) throws -> Bool { try root().exists(path) }

    /// Switches an open, latest-format, read-write file into SWMR-write mode: from now on
    /// the file on disk stays consistent for readers (and after a crash). No new objects or
    /// attributes can be created afterwards; datasets can still be extended and written.
    public func startSWMRWrite() throws {
        chdf5_quiet()
        try hcheck(H5Fstart_swmr_write(id), "cannot start SWMR writing on '\(path)'")
    }

    /// Flushes all buffers of this file to the operating system.
    public func flush() throws {
        chdf5_quiet()
        try hcheck(H5Fflush(id, H5F_SCOPE_LOCAL), "cannot flush '\(path)'")
    }

    /// Closes the file (objects still open keep it open until they go).
    public func close() throws {
        chdf5_quiet()
        guard id >= 0 else { return }
        let r = H5Fclose(id)
        id = -1
        try hcheck(r, "cannot close '\(path)'")
    }

    deinit { if id >= 0 { H5Fclose(id) } }
}

// MARK: - Group

/// An HDF5 group.
public final class HDF5Group: HDF5AttributeHolder {
    public let id: hid_t
    public let name: String
    public var objectID: hid_t { id }
    let file: HDF5File
    private let parent: AnyObject

    init(open name: String, in file: HDF5File, parent: AnyObject, at location: hid_t? = nil) throws {
        self.id = try hcheckID(H5Gopen2(location ?? file.id, name, chdf5_p_default()), "cannot open group '\(name)'")
        self.name = name
        self.file = file
        self.parent = parent
    }

    init(created id: hid_t, name: String, file: HDF5File, parent: AnyObject) {
        self.id = id
        self.name = name
        self.file = file
        self.parent = parent
    }

    /// Creates a sub-group (intermediate groups too).
    public func createGroup(_ name: String) throws -> HDF5Group {
        chdf5_quiet()
        let lcpl = HDF5Handle(H5Pcreate(chdf5_p_link_create()))
        H5Pset_create_intermediate_group(lcpl.id, 1)
        let gid = try hcheckID(H5Gcreate2(id, name, lcpl.id, chdf5_p_default(), chdf5_p_default()),
                               "cannot create group '\(name)'")
        return HDF5Group(created: gid, name: name, file: file, parent: self)
    }

    /// Opens a sub-group.
    public func openGroup(_ name: String) throws -> HDF5Group {
        chdf5_quiet()
        return try HDF5Group(open: name, in: file, parent: self, at: id)
    }

    /// Whether a link exists at the relative path `path` (checking each component).
    public func exists(_ path: String) throws -> Bool {
        chdf5_quiet()
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
            let r = H5Lexists(id, prefix, chdf5_p_default())
            if r < 0 { throw hdf5Fail("cannot look up '\(path)'") }
            if r == 0 { return false }
        }
        return true
    }

    /// Creates a chunked dataset whose first dimension starts at `rows` and can grow without bound.
    /// - Parameters:
    ///   - rowShape: the trailing dimensions ([] for a 1-D dataset, [3] for [n, 3], [3, 3] for [n, 3, 3]).
    ///   - chunkRows: rows per chunk.
    ///   - fill: the fill value for numeric datasets (rows extended but not written read as this).
    ///   - deflate: gzip level (nil: no compression).
    public func createDataset(_ name: String, type: HDF5ElementType, rowShape: [Int] = [],
                              chunkRows: Int = 4096, fill: Double? = nil, deflate: Int? = nil,
                              rows: Int = 0) throws -> HDF5Dataset {
        chdf5_quiet()
        var dims = [hsize_t(rows)] + rowShape.map { hsize_t($0) }
        var maxDims = [chdf5_s_unlimited()] + rowShape.map { hsize_t($0) }
        var chunk = [hsize_t(max(chunkRows, 1))] + rowShape.map { hsize_t(max($0, 1)) }
        let space = HDF5Handle(try hcheckID(H5Screate_simple(Int32(dims.count), &dims, &maxDims),
                                            "cannot create a dataspace for '\(name)'"))
        let dcpl = HDF5Handle(try hcheckID(H5Pcreate(chdf5_p_dataset_create()), "cannot create a dataset property list"))
        try hcheck(H5Pset_chunk(dcpl.id, Int32(chunk.count), &chunk), "cannot chunk '\(name)'")
        if let level = deflate { try hcheck(H5Pset_deflate(dcpl.id, UInt32(level)), "cannot compress '\(name)'") }
        let ftype = try type.makeType()
        if let fill {
            switch type {
            case .float64: var v = fill; try hcheck(H5Pset_fill_value(dcpl.id, chdf5_native_double(), &v), "fill")
            case .float32: var v = Float(fill); try hcheck(H5Pset_fill_value(dcpl.id, chdf5_native_float(), &v), "fill")
            case .int32: var v = Int32(fill); try hcheck(H5Pset_fill_value(dcpl.id, chdf5_native_int32(), &v), "fill")
            case .int64: var v = Int64(fill); try hcheck(H5Pset_fill_value(dcpl.id, chdf5_native_int64(), &v), "fill")
            case .uint8: var v = UInt8(fill); try hcheck(H5Pset_fill_value(dcpl.id, chdf5_native_uint8(), &v), "fill")
            case .int8: var v = Int8(fill); try hcheck(H5Pset_fill_value(dcpl.id, chdf5_native_int8(), &v), "fill")
            case .string, .fixedString: break
            }
        }
        let lcpl = HDF5Handle(H5Pcreate(chdf5_p_link_create()))
        H5Pset_create_intermediate_group(lcpl.id, 1)
        let did = try hcheckID(H5Dcreate2(id, name, ftype.id, space.id, lcpl.id, dcpl.id, chdf5_p_default()),
                               "cannot create dataset '\(name)'")
        return HDF5Dataset(id: did, name: name, file: file, parent: self)
    }

    /// Opens a dataset by relative path.
    public func openDataset(_ name: String) throws -> HDF5Dataset {
        chdf5_quiet()
        let did = try hcheckID(H5Dopen2(id, name, chdf5_p_default()), "cannot open dataset '\(name)'")
        return HDF5Dataset(id: did, name: name, file: file, parent: self)
    }

    deinit { H5Gclose(id) }
}

// MARK: - Dataset

/// A dataset whose first dimension counts rows (the shape is [rows] + rowShape).
public final class HDF5Dataset: HDF5AttributeHolder {
    public let id: hid_t
    public let name: String
    public var objectID: hid_t { id }
    let file: HDF5File
    private let parent: AnyObject

    init(id: hid_t, name: String, file: HDF5File, parent: AnyObject) {
        self.id = id
        self.name = name
        self.file = file
        self.parent = parent
    }

    deinit { H5Dclose(id) }

    /// The current shape (first entry: rows). Under SWMR reading, call `refresh()` first to see growth.
    public func shape() throws -> [Int] {
        chdf5_quiet()
        let space = HDF5Handle(try hcheckID(H5Dget_space(id), "cannot get the shape of '\(name)'"))
        let rank = Int(H5Sget_simple_extent_ndims(space.id))
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        if rank > 0 { H5Sget_simple_extent_dims(space.id, &dims, nil) }
        return rank == 0 ? [] : dims.map { Int($0) }
    }

    /// Number of rows (first dimension).
    public func rows() throws -> Int { try shape().first ?? 1 }

    /// Elements per row (product of the trailing dimensions).
    public func rowSize() throws -> Int { try shape().dropFirst().reduce(1, *) }

    /// The element type stored in the file.
    public func elementType() throws -> HDF5ElementType {
        chdf5_quiet()
        let t = HDF5Handle(H5Dget_type(id))
        switch H5Tget_class(t.id) {
        case H5T_FLOAT: return H5Tget_size(t.id) == 4 ? .float32 : .float64
        case H5T_INTEGER:
            let size = H5Tget_size(t.id)
            let signed = H5Tget_sign(t.id) != H5T_SGN_NONE
            switch (size, signed) {
            case (1, false): return .uint8
            case (1, true): return .int8
            case (4, _): return .int32
            default: return .int64
            }
        case H5T_STRING:
            return H5Tis_variable_str(t.id) > 0 ? .string : .fixedString(bytes: H5Tget_size(t.id))
        default: throw HDF5Error("dataset '\(name)' has an unsupported element type")
        }
    }

    /// Re-reads the dataset's metadata (SWMR readers see appended rows after this).
    public func refresh() throws {
        chdf5_quiet()
        try hcheck(H5Drefresh(id), "cannot refresh '\(name)'")
    }

    /// Flushes this dataset's buffers (raw data and metadata) to the file.
    public func flush() throws {
        chdf5_quiet()
        try hcheck(H5Dflush(id), "cannot flush '\(name)'")
    }

    /// Sets the number of rows (grow or shrink).
    public func setRows(_ n: Int) throws {
        var dims = try shape()
        dims[0] = n
        var h = dims.map { hsize_t($0) }
        try hcheck(H5Dset_extent(id, &h), "cannot resize '\(name)' to \(n) rows")
    }

    /// Selects rows [start, start+count) of the file space and makes the matching memory space.
    private func selection(start: Int, count: Int) throws -> (file: HDF5Handle, memory: HDF5Handle) {
        let dims = try shape()
        guard start >= 0, count >= 0, start + count <= dims[0] else {
            throw HDF5Error("rows \(start)..<\(start + count) out of range for '\(name)' with \(dims[0]) rows")
        }
        let fspace = HDF5Handle(H5Dget_space(id))
        var offset = [hsize_t](repeating: 0, count: dims.count)
        offset[0] = hsize_t(start)
        var counts = dims.map { hsize_t($0) }
        counts[0] = hsize_t(count)
        try hcheck(H5Sselect_hyperslab(fspace.id, H5S_SELECT_SET, &offset, nil, &counts, nil),
                   "cannot select rows of '\(name)'")
        let mspace = HDF5Handle(H5Screate_simple(Int32(counts.count), &counts, nil))
        return (fspace, mspace)
    }

    /// Writes `values` (row-major, `count * rowSize` elements) at row `start` (which must exist).
    public func write<T: HDF5Numeric>(_ values: [T], atRow start: Int) throws {
        let rowSize = try self.rowSize()
        guard values.count % max(rowSize, 1) == 0 else {
            throw HDF5Error("\(values.count) values do not fill whole rows of '\(name)' (\(rowSize) per row)")
        }
        let count = values.count / max(rowSize, 1)
        if count == 0 { return }
        let (fspace, mspace) = try selection(start: start, count: count)
        let r = values.withUnsafeBufferPointer { buf in
            H5Dwrite(id, T.hdf5NativeType, mspace.id, fspace.id, chdf5_p_default(), buf.baseAddress)
        }
        try hcheck(r, "cannot write '\(name)'")
    }

    /// Appends whole rows (row-major values).
    public func append<T: HDF5Numeric>(_ values: [T]) throws {
        let rowSize = max(try self.rowSize(), 1)
        guard values.count % rowSize == 0 else {
            throw HDF5Error("\(values.count) values do not fill whole rows of '\(name)' (\(rowSize) per row)")
        }
        if values.isEmpty { return }
        let start = try rows()
        try setRows(start + values.count / rowSize)
        try write(values, atRow: start)
    }

    /// Reads rows `range` (all rows if nil), row-major, converted to `T`.
    public func read<T: HDF5Numeric>(_ type: T.Type = T.self, rows range: Range<Int>? = nil) throws -> [T] {
        let range = try range ?? 0..<rows()
        let rowSize = try self.rowSize()
        var values = [T](repeating: T.hdf5Zero, count: range.count * rowSize)
        if values.isEmpty { return values }
        let (fspace, mspace) = try selection(start: range.lowerBound, count: range.count)
        let r = values.withUnsafeMutableBufferPointer { buf in
            H5Dread(id, T.hdf5NativeType, mspace.id, fspace.id, chdf5_p_default(), buf.baseAddress)
        }
        try hcheck(r, "cannot read '\(name)'")
        return values
    }

    /// Writes strings at row `start` (1-D string datasets, fixed or variable length).
    /// Fixed-width strings longer than the width are cut at a character boundary.
    public func writeStrings(_ strings: [String], atRow start: Int) throws {
        if strings.isEmpty { return }
        let (fspace, mspace) = try selection(start: start, count: strings.count)
        switch try elementType() {
        case .fixedString(let width):
            var buf = [UInt8](repeating: 0, count: width * strings.count)
            for (i, s) in strings.enumerated() {
                let bytes = utf8Prefix(s, bytes: width)
                buf.replaceSubrange(i * width..<(i * width + bytes.count), with: bytes)
            }
            let mem = try makeStringType(size: width)
            try hcheck(H5Dwrite(id, mem.id, mspace.id, fspace.id, chdf5_p_default(), buf), "cannot write '\(name)'")
        case .string:
            let mem = try makeStringType(size: chdf5_variable())
            let cstrings = strings.map { strdup($0) }
            defer { cstrings.forEach { free($0) } }
            var ptrs: [UnsafePointer<CChar>?] = cstrings.map { UnsafePointer($0) }
            try hcheck(H5Dwrite(id, mem.id, mspace.id, fspace.id, chdf5_p_default(), &ptrs), "cannot write '\(name)'")
        default:
            throw HDF5Error("dataset '\(name)' does not hold strings")
        }
    }

    /// Appends strings (1-D string datasets).
    public func appendStrings(_ strings: [String]) throws {
        if strings.isEmpty { return }
        let start = try rows()
        try setRows(start + strings.count)
        try writeStrings(strings, atRow: start)
    }

    /// Reads strings of rows `range` (all rows if nil).
    public func readStrings(rows range: Range<Int>? = nil) throws -> [String] {
        let range = try range ?? 0..<rows()
        if range.isEmpty { return [] }
        let (fspace, mspace) = try selection(start: range.lowerBound, count: range.count)
        switch try elementType() {
        case .fixedString(let width):
            var buf = [UInt8](repeating: 0, count: width * range.count)
            let mem = try makeStringType(size: width)
            try hcheck(H5Dread(id, mem.id, mspace.id, fspace.id, chdf5_p_default(), &buf), "cannot read '\(name)'")
            return (0..<range.count).map { decodeFixed(buf[$0 * width..<($0 + 1) * width]) }
        case .string:
            let mem = try makeStringType(size: chdf5_variable())
            var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: range.count)
            try hcheck(H5Dread(id, mem.id, mspace.id, fspace.id, chdf5_p_default(), &ptrs), "cannot read '\(name)'")
            let out = ptrs.map { $0.map { String(cString: $0) } ?? "" }
            H5Dvlen_reclaim(mem.id, mspace.id, chdf5_p_default(), &ptrs)
            return out
        default:
            throw HDF5Error("dataset '\(name)' does not hold strings")
        }
    }
}
