/// Errors in choosing or evaluating an exchange-correlation functional.
public enum XCError: Error, CustomStringConvertible, Equatable {
    case unknownFunctional(String)
    case unsupported(String)
    case libxc(String)

    public var description: String {
        switch self {
        case .unknownFunctional(let s): return "unknown exchange-correlation functional '\(s)' (use a libxc name such as GGA_X_PBE,GGA_C_PBE, a libxc id, or one of: \(ExchangeCorrelationFunctional.aliases.keys.sorted().joined(separator: ", ")))"
        case .unsupported(let s): return s
        case .libxc(let s): return "libxc: \(s)"
        }
    }
}
