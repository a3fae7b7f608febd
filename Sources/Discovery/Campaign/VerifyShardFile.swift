import DatasetGeneration
import Datasets
import Foundation

/// The DFT results of one shard of one round's verify stage, computed away from the campaign
/// file (`VerifyShardJob`) and added to it by `Campaign.gather`.
///
/// Shard I of N holds the round's pending candidates whose index i has i mod N = I (the rule of
/// `DatasetGeneration.Shard`). Layout in docs/hdf5-schema.md, "Verify shard file".
public struct VerifyShard: Sendable {
    /// `CampaignState.campaignID` of the campaign the shard was cut from.
    public var campaignID: String
    public var campaignName: String
    public var round: Int
    public var shard: Shard
    /// Candidate indices (into the round's candidates) this shard computes, in `toVerify` order.
    public var assigned: [Int]
    /// Finished DFT results, in order of completion.
    public var records: [DFTRecord]

    public init(campaignID: String, campaignName: String, round: Int, shard: Shard, assigned: [Int], records: [DFTRecord] = []) {
        self.campaignID = campaignID; self.campaignName = campaignName; self.round = round
        self.shard = shard; self.assigned = assigned; self.records = records
    }

    /// Assigned candidates without a record yet.
    public var pending: [Int] {
        let finished = Set(records.map(\.candidate))
        return assigned.filter { !finished.contains($0) }
    }
}

/// Reads and writes verify shard files (HDF5, root attribute format = "chemflow-campaign-shard").
/// Like the campaign file, the whole (small) file is rewritten after every result into a temporary
/// file that is renamed over the old one, so a killed shard leaves a complete file.
public enum VerifyShardStore {
    public static let formatName = "chemflow-campaign-shard"
    public static let formatVersion = 1

    public static func write(_ shard: VerifyShard, to path: String) throws {
        try CampaignStore.replaceAtomically(path) { tmp in
            let file = try HDF5File.create(path: tmp, overwrite: true)
            let root = try file.root()
            try root.setAttribute("format", formatName)
            try root.setAttribute("format_version", formatVersion)
            try root.setAttribute("campaign_id", shard.campaignID)
            try root.setAttribute("campaign_name", shard.campaignName)
            try root.setAttribute("round", shard.round)
            try root.setAttribute("shard_index", shard.shard.index)
            try root.setAttribute("shard_count", shard.shard.count)
            try root.setAttribute("units_energy", "eV")
            try root.setAttribute("units_length", "angstrom")
            try root.setAttribute("updated", CampaignStore.isoNow())
            try CampaignStore.writeInts("assigned", shard.assigned, in: root)
            try CampaignStore.writeDFTRecords(shard.records, in: try root.createGroup("dft"))
            try file.flush()
            try file.close()
        }
    }

    /// Reads a shard file; every failure is a `CampaignError` naming the file.
    public static func read(path: String) throws -> VerifyShard {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CampaignError.invalidShardFile("'\(path)' does not exist")
        }
        guard let file = try? HDF5File.open(path: path, mode: .readOnly), let root = try? file.root() else {
            throw CampaignError.invalidShardFile("'\(path)' is not a readable HDF5 file")
        }
        guard (try? root.stringAttribute("format")) == formatName else {
            throw CampaignError.invalidShardFile("'\(path)' is not a chemflow verify shard file (no format = \"\(formatName)\" attribute)")
        }
        do {
            let version = try root.intAttribute("format_version") ?? 0
            guard version >= 1, version <= formatVersion else {
                throw CampaignError.invalidShardFile("'\(path)' has shard format_version \(version); this chemflow reads up to \(formatVersion)")
            }
            let index = try root.intAttribute("shard_index") ?? -1, count = try root.intAttribute("shard_count") ?? 0
            guard let shard = Shard("\(index)/\(count)") else {
                throw CampaignError.invalidShardFile("'\(path)' has an invalid shard \(index)/\(count)")
            }
            return VerifyShard(campaignID: try root.stringAttribute("campaign_id") ?? "",
                               campaignName: try root.stringAttribute("campaign_name") ?? "",
                               round: try root.intAttribute("round") ?? -1, shard: shard,
                               assigned: try root.openDataset("assigned").read(Int64.self).map { Int($0) },
                               records: try CampaignStore.readDFTRecords(try root.openGroup("dft")))
        } catch let e as CampaignError {
            throw e
        } catch {
            throw CampaignError.invalidShardFile("'\(path)' is damaged: \(error)")
        }
    }
}
