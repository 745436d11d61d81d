/// Everything that can go wrong when loading a channel plan or asking it a question.
///
/// `description` is one English line. For plan files it has the form
/// `EU868.json: dataRates[3].spreadingFactor: expected an integer 5…12`, naming the file and the
/// JSON path of the offending field, so an operator can fix the file without reading code.
public enum RegionalParametersError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes of `file` are not valid JSON; `reason` says where and why.
    case invalidJSON(file: String, reason: String)
    /// A field of `file` at JSON path `path` is missing, has the wrong type or an invalid value.
    case invalidField(file: String, path: String, reason: String)
    /// The catalog is inconsistent (missing index, file listed but absent, duplicate id, …).
    case invalidCatalog(file: String, reason: String)
    /// The plan defines no data rate with this index.
    case unknownDataRate(Int)
    /// The RX1DROffset is outside the plan's RX1 data-rate table.
    case invalidRX1DROffset(Int)
    /// The uplink frequency is not one of the plan's uplink channels (fixed plans) or not in its band.
    case unknownUplinkFrequency(Int)
    /// A channel index is outside the plan's channel numbering.
    case unknownChannel(Int)
    /// A frequency cannot be encoded where it was asked for (CFList: 100 Hz steps, 24 bits, band).
    case invalidFrequency(Int, reason: String)
    /// The request is well-formed but this plan does not support it (e.g. CFList type 0 on US915).
    case unsupported(String)
    /// The request's arguments are inconsistent (e.g. an empty enabled-channel set).
    case invalidArgument(String)

    /// One English line naming what is wrong (and, for files, the file and JSON path).
    public var description: String {
        switch self {
        case let .invalidJSON(file, reason):
            return "\(file): invalid JSON: \(reason)"
        case let .invalidField(file, path, reason):
            return "\(file): \(path): \(reason)"
        case let .invalidCatalog(file, reason):
            return "\(file): \(reason)"
        case let .unknownDataRate(dr):
            return "data rate DR\(dr) is not defined in this channel plan"
        case let .invalidRX1DROffset(offset):
            return "RX1DROffset \(offset) is not allowed in this channel plan"
        case let .unknownUplinkFrequency(frequency):
            return "\(frequency) Hz is not an uplink channel of this channel plan"
        case let .unknownChannel(index):
            return "channel \(index) does not exist in this channel plan"
        case let .invalidFrequency(frequency, reason):
            return "frequency \(frequency) Hz: \(reason)"
        case let .unsupported(what):
            return "not supported by this channel plan: \(what)"
        case let .invalidArgument(what):
            return what
        }
    }
}
